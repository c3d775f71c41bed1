"""The orders function, its log group, and the ``production`` alias that carries provisioned concurrency."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as _lambda
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import StageConfig
from stacks.constructs.common_layer import ASSET_EXCLUDES
from stacks.constructs.log_retention import retention
from stacks.naming import ALIAS_NAME

SOURCE_DIR = Path(__file__).resolve().parents[2] / "lambda_src"
HANDLER = "orders.handler.lambda_handler"
RUNTIME = _lambda.Runtime.PYTHON_3_14
ARCHITECTURES = {"arm64": _lambda.Architecture.ARM_64, "x86_64": _lambda.Architecture.X86_64}


class OrdersFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        table: dynamodb.ITable,
        config_bucket: s3.IBucket,
        config_key: str,
        layers: list[_lambda.ILayerVersion],
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=retention(config.log_retention_days),
            # Logs of a stateless stack go with it; the data that matters is in the data stack.
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.function = _lambda.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURES[config.architecture],
            handler=HANDLER,
            code=_lambda.Code.from_asset(str(SOURCE_DIR), exclude=ASSET_EXCLUDES),
            memory_size=config.memory_mb,
            timeout=cdk.Duration.seconds(config.timeout_seconds),
            tracing=_lambda.Tracing.ACTIVE,
            layers=layers,
            log_group=self.log_group,
            # Text, not Lambda's JSON log format: the common layer already writes one JSON object per
            # line, which the JSON format would wrap a second time (a string inside "message").
            logging_format=_lambda.LoggingFormat.TEXT,
            environment={
                "TABLE_NAME": table.table_name,
                "CONFIG_BUCKET": config_bucket.bucket_name,
                "CONFIG_KEY": config_key,
                "CONFIG_TTL_SECONDS": str(config.config_ttl_seconds),
                "LOG_LEVEL": config.log_level,
            },
            description=f"orders API ({config.stage})",
        )
        # Least privilege: exactly the calls the handler makes. (No s3:ListBucket, so a missing config
        # object reads as AccessDenied rather than NoSuchKey; the handler treats both as 503.)
        table.grant(self.function, "dynamodb:GetItem", "dynamodb:PutItem")
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[config_bucket.arn_for_objects(config_key)])
        )
        # Every deploy that changes the code or configuration publishes a new version; the alias moves
        # to it, and the provisioned environments are initialised before the alias switches.
        self.alias = _lambda.Alias(
            self,
            "ProductionAlias",
            alias_name=ALIAS_NAME,
            version=self.function.current_version,
            provisioned_concurrent_executions=config.provisioned_concurrency or None,
        )
