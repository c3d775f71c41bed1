"""The orders function, its log group, and the ``production`` alias that carries provisioned concurrency."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as _lambda
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.constructs.common_layer import ASSET_EXCLUDES
from stacks.constructs.log_retention import stage_log_group
from stacks.nag import acknowledge
from stacks.naming import ALIAS_NAME
from stacks.stage_config import StageConfig

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
        secret: secretsmanager.ISecret,
        layers: list[_lambda.ILayerVersion],
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = stage_log_group(self, "LogGroup", config=config)
        # Our own role instead of AWSLambdaBasicExecutionRole (AwsSolutions-IAM4): it may write to this
        # function's log group only, not create or write to any log group in the account.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"orders function ({config.stage})",
        )
        self.log_group.grant_write(self.role)
        self.function = _lambda.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURES[config.architecture],
            handler=HANDLER,
            code=_lambda.Code.from_asset(str(SOURCE_DIR), exclude=ASSET_EXCLUDES),
            memory_size=config.memory_mb,
            timeout=cdk.Duration.seconds(config.timeout_seconds),
            role=self.role,
            # Active: Lambda samples, opens the function segment and runs the X-Ray daemon that both tracing
            # backends send to over UDP. "off": pass-through (Lambda traces only what arrives sampled).
            tracing=_lambda.Tracing.PASS_THROUGH if config.tracing == "off" else _lambda.Tracing.ACTIVE,
            snap_start=_lambda.SnapStartConf.ON_PUBLISHED_VERSIONS
            if config.cold_start_strategy == "snapstart"
            else None,
            layers=layers,
            log_group=self.log_group,
            # Text, not Lambda's JSON log format: the common layer already writes one JSON object per
            # line, which the JSON format would wrap a second time (a string inside "message").
            logging_format=_lambda.LoggingFormat.TEXT,
            # Blast radius: a ceiling on this function's concurrency, so a slow dependency can't make it take
            # every execution environment of the account's regional pool (and throttle every other function).
            reserved_concurrent_executions=config.reserved_concurrency,
            environment={
                "TABLE_NAME": table.table_name,
                "CONFIG_BUCKET": config_bucket.bucket_name,
                "CONFIG_KEY": config_key,
                "CONFIG_TTL_SECONDS": str(config.config_ttl_seconds),
                "LOG_LEVEL": config.log_level,
                # The secret's ARN, not its value: the value is fetched at run time through a TTL cache.
                "RECEIPT_SECRET_ARN": secret.secret_arn,
                "TRACING": config.tracing,  # common/tracing.py imports this backend only
                # Orders expire through the table's TTL this many days after they were written.
                **({"ORDER_RETENTION_DAYS": str(config.order_retention_days)} if config.order_retention_days else {}),
            },
            description=f"orders API ({config.stage})",
        )
        # Least privilege: exactly the calls the handler makes. (No s3:ListBucket, so a missing config
        # object reads as AccessDenied rather than NoSuchKey; the handler treats both as 503.)
        table.grant(self.function, "dynamodb:GetItem", "dynamodb:PutItem")
        # Not secret.grant_read: it adds DescribeSecret, which the code never calls (tests/infra/iam_reading.py
        # compares the role with the calls). The secret uses Secrets Manager's AWS-managed key: no kms grant needed.
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[secret.secret_arn])
        )
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
        # The tracing grant comes with `tracing` (CDK adds it for Active and PassThrough). Both backends send
        # over UDP to Lambda's X-Ray daemon, which uploads with it: no exporter needs a permission of its own.
        acknowledge(
            self.role,
            "X-Ray's PutTraceSegments/PutTelemetryRecords have no resource-level "
            "permissions: AWS documents Resource '*' for them.",
            "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
        )
        if config.tracing == "off":
            acknowledge(
                self.function,
                "tracing='off' is this stage's explicit choice: no tracer ships; pass-through still "
                "records requests that arrive already sampled upstream.",
                "Serverless::Serverless-LambdaTracing",
            )
        if config.cold_start_strategy == "snapstart":
            acknowledge(
                self.function,
                "SnapStart applies to published versions: the production alias always "
                "points at current_version, which CDK publishes on every change.",
                "Annotation::@aws-cdk/aws-lambda:snapStartRequirePublish",
            )
        acknowledge(
            self.function,
            "Invoked synchronously by API Gateway: a DLQ only receives failed "
            "asynchronous invocations, and the client gets the error response directly.",
            "Serverless::Serverless-LambdaDLQ",
        )
