"""Stateless resources: layers, the orders function behind its ``production`` alias, and the HTTP API."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks import naming
from stacks.config import StageConfig
from stacks.constructs.common_layer import CommonLayer
from stacks.constructs.dependencies_layer import DependenciesLayer
from stacks.constructs.http_api import OrdersHttpApi
from stacks.constructs.orders_function import ARCHITECTURES, RUNTIME, OrdersFunction


class ServiceStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        table: dynamodb.ITable,
        config_bucket: s3.IBucket,
        config_key: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        architecture = ARCHITECTURES[config.architecture]
        dependencies = DependenciesLayer(self, "DependenciesLayer", runtime=RUNTIME, architecture=architecture)
        common = CommonLayer(self, "CommonLayer", runtime=RUNTIME, architecture=architecture)
        orders = OrdersFunction(
            self,
            "Orders",
            config=config,
            table=table,
            config_bucket=config_bucket,
            config_key=config_key,
            layers=[dependencies.layer, common.layer],
        )
        api = OrdersHttpApi(self, "HttpApi", target=orders.alias)

        # Read by tools/ (cold_start, power_tuning) through `--stack`/`--stage`.
        cdk.CfnOutput(self, naming.OUTPUT_FUNCTION_NAME, value=orders.function.function_name)
        cdk.CfnOutput(self, naming.OUTPUT_ALIAS_NAME, value=orders.alias.alias_name)
        cdk.CfnOutput(self, naming.OUTPUT_ALIAS_ARN, value=orders.alias.function_arn)
        cdk.CfnOutput(self, naming.OUTPUT_API_URL, value=api.api.api_endpoint)
