"""Stateless resources: layers, the orders function behind its ``production`` alias, the HTTP API,
cold-start strategy, monitoring and safe deployments."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as _lambda
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks import naming
from stacks.constructs.common_layer import CommonLayer
from stacks.constructs.dependencies_layer import DependenciesLayer
from stacks.constructs.http_api import OrdersHttpApi
from stacks.constructs.monitoring import Monitoring
from stacks.constructs.orders_function import ARCHITECTURES, RUNTIME, OrdersFunction
from stacks.constructs.pc_autoscaling import ProvisionedConcurrencyAutoscaling
from stacks.constructs.safe_deployment import SafeDeployment
from stacks.stage_config import StageConfig


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
        secret: secretsmanager.ISecret,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        architecture = ARCHITECTURES[config.architecture]
        common = CommonLayer(self, "CommonLayer", runtime=RUNTIME, architecture=architecture)
        layers: list[_lambda.ILayerVersion] = [common.layer]
        if config.tracing != "off":  # the tracing backend's packages, and only those (no tracer: no layer)
            dependencies = DependenciesLayer(
                self, "DependenciesLayer", runtime=RUNTIME, architecture=architecture, backend=config.tracing
            )
            layers.insert(0, dependencies.layer)
        orders = OrdersFunction(
            self,
            "Orders",
            config=config,
            table=table,
            config_bucket=config_bucket,
            config_key=config_key,
            secret=secret,
            layers=layers,
        )
        if config.pc_max:
            ProvisionedConcurrencyAutoscaling(self, "PcAutoscaling", config=config, alias=orders.alias)
        api = OrdersHttpApi(self, "HttpApi", config=config, target=orders.alias)
        monitoring = Monitoring(
            self, "Monitoring", config=config, alias=orders.alias, api=api.api, log_group=orders.log_group
        )
        SafeDeployment(
            self, "Deployment", config=config, alias=orders.alias, rollback_alarms=monitoring.rollback_alarms
        )

        # Read by tools/ (cold_start, power_tuning) through `--stack`/`--stage`.
        cdk.CfnOutput(self, naming.OUTPUT_FUNCTION_NAME, value=orders.function.function_name)
        cdk.CfnOutput(self, naming.OUTPUT_ALIAS_NAME, value=orders.alias.alias_name)
        cdk.CfnOutput(self, naming.OUTPUT_ALIAS_ARN, value=orders.alias.function_arn)
        cdk.CfnOutput(self, naming.OUTPUT_API_URL, value=api.api.api_endpoint)
        cdk.CfnOutput(self, "DashboardName", value=monitoring.dashboard.dashboard_name)
        cdk.CfnOutput(self, "AlarmTopicArn", value=monitoring.topic.topic_arn)
        if api.invoke_policy is not None:  # api_authorization="iam": attach it to whoever calls the API
            cdk.CfnOutput(self, naming.OUTPUT_API_INVOKE_POLICY_ARN, value=api.invoke_policy.managed_policy_arn)
