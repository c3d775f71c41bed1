"""Server access logs of the config bucket: who read or changed config.json (AwsSolutions-S1)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.constructs.private_bucket import private_bucket
from stacks.stage_config import StageConfig


class AccessLogsBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.bucket = private_bucket(
            self,
            "Bucket",
            config=config,
            # Versioned: a log object overwritten or deleted stays recoverable for a day; logs expire with the
            # stage's log retention, like every log group.
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=cdk.Duration.days(config.log_retention_days),
                    noncurrent_version_expiration=cdk.Duration.days(1),
                )
            ],
        )
