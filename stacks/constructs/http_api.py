"""The HTTP API in front of the ``production`` alias (never ``$LATEST``)."""

from __future__ import annotations

from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as _lambda
from constructs import Construct

ROUTES = (
    (apigw.HttpMethod.POST, "/orders"),
    (apigw.HttpMethod.GET, "/orders/{order_id}"),
)


class OrdersHttpApi(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, target: _lambda.IFunction) -> None:
        super().__init__(scope, construct_id)
        self.api = apigw.HttpApi(self, "Api", description="orders API")
        # Integrating the alias (not the function) sends traffic to the provisioned environments.
        integration = integrations.HttpLambdaIntegration("OrdersIntegration", target)
        for method, path in ROUTES:
            self.api.add_routes(path=path, methods=[method], integration=integration)
