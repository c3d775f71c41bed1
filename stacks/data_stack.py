"""Stateful resources: the orders table, the config bucket (+ its access logs) and the service secret.
Protected in prod; the service stack can be destroyed and recreated without touching them."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from stacks.constructs.access_logs_bucket import AccessLogsBucket
from stacks.constructs.config_bucket import ConfigBucket
from stacks.constructs.log_retention import route_provider_logs
from stacks.constructs.orders_table import OrdersTable
from stacks.constructs.secret import ReceiptSigningSecret
from stacks.data_resources import ConfigObject, DataResources, Secret, Table
from stacks.nag import acknowledge, partition_of
from stacks.stage_config import StageConfig

# CDK's own singleton functions (config upload, bucket emptying): their code, runtime and role are
# CDK's, created at the stack's top level under these id prefixes.
CDK_MANAGED_FUNCTION_PREFIXES = ("Custom::CDKBucketDeployment", "Custom::S3AutoDeleteObjects")


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        table = OrdersTable(self, "Orders", config=config).table
        access_logs = AccessLogsBucket(self, "AccessLogs", config=config)
        config_bucket = ConfigBucket(self, "Config", config=config, access_logs=access_logs.bucket)
        secret = ReceiptSigningSecret(self, "ReceiptSigning", config=config).secret
        # What the service stack's functions may use (each names the ones it needs and how): the variables are the
        # ones lambda_src/orders/settings.py reads.
        self.resources = DataResources(
            orders_table=Table(
                table,
                name_variable="TABLE_NAME",
                retention_variable="ORDER_RETENTION_DAYS",
                smoke_prefix_variable="SMOKE_ID_PREFIX",
            ),
            config=ConfigObject(config_bucket.bucket, config_bucket.config_key),
            receipt_secret=Secret(secret, arn_variable="RECEIPT_SECRET_ARN"),
        )
        route_provider_logs(self, config=config)
        self._acknowledge_cdk_managed_functions()

    def _acknowledge_cdk_managed_functions(self) -> None:
        for child in self.node.children:
            if child.node.id.startswith(CDK_MANAGED_FUNCTION_PREFIXES):
                acknowledge(
                    child,
                    "CDK-managed custom-resource function (BucketDeployment / autoDeleteObjects): CDK chooses "
                    "its runtime and basic-execution role and scopes its S3 grants to the CDK assets bucket and "
                    "this stack's buckets; it runs only during deployments, invoked synchronously by "
                    "CloudFormation, so a DLQ would never receive anything.",
                    "AwsSolutions::AwsSolutions-L1",
                    "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                    "AWSLambdaBasicExecutionRole]",
                    "AwsSolutions::AwsSolutions-IAM5[Action::s3:GetBucket*]",
                    "AwsSolutions::AwsSolutions-IAM5[Action::s3:GetObject*]",
                    "AwsSolutions::AwsSolutions-IAM5[Action::s3:List*]",
                    "AwsSolutions::AwsSolutions-IAM5[Action::s3:Abort*]",
                    "AwsSolutions::AwsSolutions-IAM5[Action::s3:DeleteObject*]",
                    f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:{partition_of(self.region)}:s3:::"
                    f"cdk-hnb659fds-assets-<AWS::AccountId>-{self.region}/*]",
                    "AwsSolutions::AwsSolutions-IAM5[Resource::<ConfigBucketF2111528.Arn>/*]",
                    "Serverless::Serverless-LambdaDLQ",
                    "Serverless::Serverless-LambdaLatestVersion",
                    "Serverless::Serverless-LambdaTracing",
                )
