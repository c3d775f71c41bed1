"""Stateless resources: the layers, every API function behind its ``production`` alias (on a managed-instances stage,
on the capacity provider, with its VPC and endpoints), the HTTP API in front of them, monitoring and safe
deployments."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from stacks import naming
from stacks.constructs.api_function import ApiFunction, ApiFunctionSpec, StageFunctions
from stacks.constructs.function_runtime import shared_layers
from stacks.constructs.http_api import HttpApi
from stacks.constructs.log_retention import route_provider_logs
from stacks.constructs.managed_instances import ManagedInstances
from stacks.constructs.monitoring import Monitoring
from stacks.constructs.safe_deployment import SafeDeployment
from stacks.data_resources import READ, READ_WRITE, DataResources
from stacks.function_routes import FUNCTIONS_DIR
from stacks.managed_instances_rules import STRATEGY as MANAGED_INSTANCES
from stacks.stage_config import StageConfig

ORDERS = ApiFunctionSpec(
    name=naming.ORDERS_FUNCTION,
    code=FUNCTIONS_DIR / "orders",
    handler="orders.handler.lambda_handler",
    # In the order of the role policy's statements.
    data_access={"orders_table": READ_WRITE, "receipt_secret": READ, "config": READ},
    description="orders API",
)
# Every function of the service. A second one is its package under lambda_src/, its routes, and one entry here;
# append it: the first function's alarms and deployment group keep the ids they have (naming.per_function_id).
FUNCTIONS: tuple[ApiFunctionSpec, ...] = (ORDERS,)


class ServiceStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, data: DataResources, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        layers = shared_layers(self, config)
        capacity = (
            ManagedInstances(self, "ManagedInstances", config=config)
            if config.cold_start_strategy == MANAGED_INSTANCES
            else None
        )
        functions = StageFunctions(
            config,
            tuple(
                ApiFunction(self, spec, config=config, data=data, layers=layers.all, capacity=capacity)
                for spec in FUNCTIONS
            ),
            capacity,
        )
        if capacity:
            capacity.route_out([function.role for function in functions])
        api = HttpApi(self, "HttpApi", functions=functions, description="orders API")
        monitoring = Monitoring(self, "Monitoring", functions=functions, api=api.api)
        SafeDeployment(
            self,
            "Deployment",
            functions=functions,
            rollback_alarms=monitoring.rollback_alarms,
            data=data,
            common_layer=layers.common,
        )

        # Read by tools/ (cold_start, power_tuning) through `--stack`/`--stage` (naming.OUTPUT_*: the orders function's).
        for function in functions:
            for what, value in (
                ("FunctionName", function.function.function_name),
                ("AliasName", function.alias.alias_name),
                ("AliasArn", function.alias.function_arn),
            ):
                cdk.CfnOutput(self, naming.function_output(function.spec.name, what), value=value)
        cdk.CfnOutput(self, naming.OUTPUT_API_URL, value=api.api.api_endpoint)
        # Read by `make e2e` (tools/e2e.py): it signs its requests with SigV4 when this is "iam".
        cdk.CfnOutput(self, naming.OUTPUT_API_AUTHORIZATION, value=config.api_authorization)
        cdk.CfnOutput(self, "DashboardName", value=monitoring.dashboard.dashboard_name)
        cdk.CfnOutput(self, "AlarmTopicArn", value=monitoring.topic.topic_arn)
        # The new VPC's default security group is closed by a CDK custom resource: its provider logs to a stage group.
        route_provider_logs(self, config=config)
        if api.invoke_policy is not None:  # api_authorization="iam": attach it to whoever calls the API
            cdk.CfnOutput(self, naming.OUTPUT_API_INVOKE_POLICY_ARN, value=api.invoke_policy.managed_policy_arn)
