"""What every bucket of this app is: private, encrypted, TLS-only, owner-enforced, kept or emptied per stage."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.stage_config import StageConfig


def private_bucket(scope: Construct, construct_id: str, *, config: StageConfig, **props: Any) -> s3.Bucket:
    retained = config.is_retained
    return s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,  # also the only encryption S3 access-log delivery supports
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=cdk.RemovalPolicy.RETAIN if retained else cdk.RemovalPolicy.DESTROY,
        auto_delete_objects=not retained,  # dev: emptied so that `cdk destroy` can delete it
        **props,
    )
