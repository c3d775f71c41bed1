"""The HTTP API in front of every API function's ``production`` alias (never ``$LATEST``), each function on the
routes its spec lists, with JSON access logs, stage throttling, the stage's access control
(``api_authorization``) and, when configured, CORS."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
import jsii
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as _lambda
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.constructs.api_function import StageFunctions
from stacks.constructs.confused_deputy import for_this_account
from stacks.constructs.log_retention import stage_log_group
from stacks.nag import acknowledge, finding_arn_prefix, finding_ref
from stacks.stage_config import StageConfig

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


# What a browser may send cross-origin: JSON bodies, and the headers of a SigV4-signed or bearer-token request.
CORS_ALLOW_HEADERS = ("authorization", "content-type", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token")


class HttpApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: StageFunctions,
        description: str,
    ) -> None:
        super().__init__(scope, construct_id)
        config = functions.config
        self.description = description
        self.routes = [route for function in functions for route in function.spec.routes]
        self.access_log_group = stage_log_group(self, "AccessLogs", config=config)
        _allow_access_log_delivery(self.access_log_group)
        self.api = apigw.HttpApi(
            self,
            "Api",
            description=description,
            create_default_stage=False,
            cors_preflight=_cors(config.cors_allowed_origins, self.routes),
        )
        self.stage = self.api.add_stage(
            "DefaultStage",
            stage_name="$default",
            auto_deploy=True,
            access_log_settings=_AccessLogSettings(self.access_log_group),
            throttle=apigw.ThrottleSettings(
                rate_limit=config.api_throttle_rate_limit, burst_limit=config.api_throttle_burst_limit
            ),
        )
        authorizer = _authorizer(config)
        for function in functions:
            # Integrating the alias (not the function) sends traffic to the provisioned environments. Each route's
            # permission names its own method and path, so API Gateway may invoke the alias for exactly its routes.
            integration_id = f"{function.node.id}Integration"
            integration = integrations.HttpLambdaIntegration(integration_id, function.alias)
            for method, path in function.spec.routes:
                for route in self.api.add_routes(
                    path=path, methods=[apigw.HttpMethod(method)], integration=integration, authorizer=authorizer
                ):
                    _scope_permission_to_method(route, f"{integration_id}-Permission", method, path)
        self.invoke_policy = self._invoke_policy(config) if config.api_authorization == "iam" else None
        if config.api_authorization == "none":
            acknowledge(
                self.api,
                f"api_authorization='none' in stage {config.stage!r}: the routes are public, as in the course "
                "(curl without credentials); the stage's throttling bounds abuse. Set api_authorization to "
                "'iam' or 'jwt' (prod uses 'iam') before exposing real data.",
                "AwsSolutions::AwsSolutions-APIG4",
            )

    def _invoke_policy(self, config: StageConfig) -> iam.ManagedPolicy:
        """What a caller needs with the IAM authorizer: execute-api:Invoke on exactly these routes. Attach it to
        the roles or users that call the API (docs/security.md: "Access control")."""
        policy = iam.ManagedPolicy(
            self,
            "InvokePolicy",
            description=f"{config.project_name} {config.stage}: call the {self.description} (SigV4)",
            statements=[
                iam.PolicyStatement(
                    actions=["execute-api:Invoke"],
                    resources=[self.api.arn_for_execute_api(m, _arn_path(p), "*") for m, p in self.routes],
                )
            ],
        )
        acknowledge(
            policy,
            "execute-api ARNs end in the request path: '*' stands for the order id in GET /orders/{order_id} and "
            "for the stage (the API has only $default); the policy names each route's method and path.",
            *(
                f"AwsSolutions::AwsSolutions-IAM5[Resource::{finding_arn_prefix(self, 'execute-api')}:"
                f"{finding_ref(self.api.node.default_child)}/*/{m}{_arn_path(p)}]"  # type: ignore[arg-type]
                for m, p in self.routes
            ),
        )
        return policy


def _scope_permission_to_method(route: apigw.HttpRoute, permission_id: str, method: str, path: str) -> None:
    """CDK's permission for a route allows any method on its path (``<api>/*/*/orders``); name the route's own
    method, so API Gateway may invoke the alias for exactly this route key."""
    permission = route.node.find_child(permission_id)
    assert isinstance(permission, _lambda.CfnPermission), "CDK's HttpLambdaIntegration adds one per route"
    permission.source_arn = route.http_api.arn_for_execute_api(method, path, "*")


def _arn_path(route_path: str) -> str:
    """The path part of an execute-api ARN is the request's path: a path parameter matches any segment."""
    return "/".join("*" if segment.startswith("{") else segment for segment in route_path.split("/"))


def _authorizer(config: StageConfig) -> apigw.IHttpRouteAuthorizer | None:
    if config.api_authorization == "iam":
        return authorizers.HttpIamAuthorizer()
    if config.api_authorization == "jwt":
        assert config.jwt_issuer is not None, "validated by stacks.stage_config"
        return authorizers.HttpJwtAuthorizer("Jwt", config.jwt_issuer, jwt_audience=list(config.jwt_audience))
    return None


def _cors(origins: tuple[str, ...], routes: Sequence[tuple[str, str]]) -> apigw.CorsPreflightOptions | None:
    """With origins, API Gateway answers preflights itself (no route, no authorizer, no function) for exactly
    these origins and the routes' methods; without, no CORS headers at all: browsers refuse cross-origin calls."""
    if not origins:
        return None
    return apigw.CorsPreflightOptions(
        allow_origins=list(origins),
        allow_methods=[apigw.CorsHttpMethod[m] for m in dict.fromkeys(m for m, _ in routes)],
        allow_headers=list(CORS_ALLOW_HEADERS),
        max_age=cdk.Duration.hours(1),
    )


def _allow_access_log_delivery(log_group: logs.LogGroup) -> None:
    """HTTP API access logs arrive through CloudWatch Logs' log delivery (``delivery.logs.amazonaws.com``). Left
    alone, CloudWatch Logs adds an account-wide resource policy for every log group; this one names this group
    and only deliveries set up in this account."""
    stack = cdk.Stack.of(log_group)
    log_group.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[log_group.log_group_arn],
            conditions=for_this_account(log_group, f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:*"),
        )
    )
