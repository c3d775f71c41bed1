"""The HTTP API in front of the ``production`` alias (never ``$LATEST``), with JSON access logs and
stage throttling."""

from __future__ import annotations

import jsii
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as _lambda
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import StageConfig
from stacks.constructs.log_retention import retention
from stacks.function_routes import declared_routes
from stacks.nag import acknowledge

# One JSON object per request: Logs Insights can filter on status, latency and the integration error.
ACCESS_LOG_FORMAT = apigw_v1.AccessLogFormat.custom(
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","routeKey":"$context.routeKey","status":"$context.status",'
    '"responseLength":"$context.responseLength","latencyMs":"$context.responseLatency",'
    '"integrationLatencyMs":"$context.integrationLatency","integrationStatus":"$context.integrationStatus",'
    '"integrationError":"$context.integrationErrorMessage","xrayTraceId":"$context.awsTraceId"}'
)


@jsii.implements(apigw.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigw.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigw.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw_v1.AccessLogFormat:
        return ACCESS_LOG_FORMAT


class OrdersHttpApi(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, target: _lambda.IFunction) -> None:
        super().__init__(scope, construct_id)
        self.access_log_group = logs.LogGroup(self, "AccessLogs", retention=retention(config.log_retention_days))
        self.api = apigw.HttpApi(self, "Api", description="orders API", create_default_stage=False)
        self.stage = self.api.add_stage(
            "DefaultStage",
            stage_name="$default",
            auto_deploy=True,
            access_log_settings=_AccessLogSettings(self.access_log_group),
            throttle=apigw.ThrottleSettings(
                rate_limit=config.api_throttle_rate_limit, burst_limit=config.api_throttle_burst_limit
            ),
        )
        # Integrating the alias (not the function) sends traffic to the provisioned environments.
        integration = integrations.HttpLambdaIntegration("OrdersIntegration", target)
        for route in declared_routes("orders"):  # the function's own declaration: one list for both sides
            self.api.add_routes(path=route.path, methods=[apigw.HttpMethod(route.method)], integration=integration)
        acknowledge(
            self.api,
            "The orders API is the course's public example, reached with curl. A fork adds "
            "its own authorizer (JWT from its identity provider, or IAM) on these routes; the stage's "
            "throttling bounds abuse meanwhile.",
            "AwsSolutions::AwsSolutions-APIG4",
        )
