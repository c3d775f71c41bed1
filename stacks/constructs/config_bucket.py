"""The private config bucket and the ``config.json`` the function reads from it."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from stacks.constructs.log_retention import stage_log_group
from stacks.constructs.private_bucket import private_bucket
from stacks.stage_config import StageConfig

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
CONFIG_KEY = "config.json"


class ConfigBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, access_logs: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        self.bucket = private_bucket(
            self,
            "Bucket",
            config=config,
            versioned=True,  # a bad config.json can be rolled back to the previous version
            # Previous versions are kept for 90 days of rollbacks, then deleted.
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(90))],
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
            retain_on_delete=config.is_retained,
            # CDK's default log group for its upload function is kept for two years and survives a destroy.
            log_group=stage_log_group(self, "ConfigJsonLogs", config=config),
        )
