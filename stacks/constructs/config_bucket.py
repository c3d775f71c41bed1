"""The private config bucket and the ``config.json`` the function reads from it (seed exercise 1)."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from stacks.config import StageConfig

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
CONFIG_KEY = "config.json"


class ConfigBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, access_logs: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        retained = config.is_retained
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,  # a bad config.json can be rolled back to the previous version
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=cdk.RemovalPolicy.RETAIN if retained else cdk.RemovalPolicy.DESTROY,
            auto_delete_objects=not retained,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="config-bucket/",
        )
        self.config_key = CONFIG_KEY
        s3deploy.BucketDeployment(
            self,
            "ConfigJson",
            destination_bucket=self.bucket,
            sources=[s3deploy.Source.asset(str(CONFIG_DIR), exclude=["**", f"!{CONFIG_KEY}"])],
            # Only config.json is managed here; never delete other objects someone put in the bucket.
            prune=False,
            retain_on_delete=retained,
        )
