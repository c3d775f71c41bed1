"""The other networks a managed-instances stage may choose, each built alone (the capacity provider in a bare stack,
a role with the orders function's kind of grants): NAT gateways instead of interface endpoints, an existing VPC with
either route out; and the endpoints' derivation from the roles' grants, which refuses a service it has no endpoint
for. The default network is tested on the session's synth (test_managed_instances.py)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from stacks.constructs.managed_instances import ManagedInstances
from stacks.constructs.service_endpoints import statements_by_service
from stacks.stage_config import build_stage_config
from tests.infra.conftest import LMI_SETTINGS, app_context

pytestmark = pytest.mark.xdist_group("lmi")

SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"]
ROUTE_TABLES = ["rtb-0123456789abcdef0", "rtb-0123456789abcdef1", "rtb-0123456789abcdef2"]
EXISTING = {"lmi_vpc_id": "vpc-0123456789abcdef0", "lmi_subnet_ids": SUBNETS}


def _function_role(stack: cdk.Stack, *actions: str) -> iam.Role:
    role = iam.Role(stack, "FunctionRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    for action in actions:
        role.add_to_policy(iam.PolicyStatement(actions=[action], resources=["*"]))
    return role


def _build(settings: dict[str, Any], *actions: str) -> dict[str, Any]:
    config = build_stage_config("dev", overrides={**LMI_SETTINGS, **settings})
    stack = cdk.Stack(cdk.App(context=app_context()), "probe", env=cdk.Environment(region=config.region))
    capacity = ManagedInstances(stack, "ManagedInstances", config=config)
    capacity.route_out([_function_role(stack, *actions)])
    resources: dict[str, Any] = Template.from_stack(stack).to_json()["Resources"]
    return resources


def _of(resources: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in resources.values() if r["Type"] == type_]


def _endpoints(resources: dict[str, Any]) -> dict[str, str]:
    """service -> Gateway | Interface."""
    found = {}
    for endpoint in _of(resources, "AWS::EC2::VPCEndpoint"):
        name = endpoint["ServiceName"]
        service = (name if isinstance(name, str) else name["Fn::Join"][1][-1]).rsplit(".", 1)[1]
        found[service] = endpoint["VpcEndpointType"]
    return found


ORDERS_LIKE = ("dynamodb:PutItem", "s3:GetObject", "secretsmanager:GetSecretValue", "xray:PutTraceSegments")


def test_nat_a_gateway_per_zone_no_public_address_and_only_the_free_endpoints() -> None:
    resources = _build({"lmi_egress": "nat"}, *ORDERS_LIKE)
    assert len(_of(resources, "AWS::EC2::NatGateway")) == 3
    subnets = _of(resources, "AWS::EC2::Subnet")
    assert len(subnets) == 6 and not any(s["MapPublicIpOnLaunch"] for s in subnets)
    routes = _of(resources, "AWS::EC2::Route")
    assert sum("NatGatewayId" in r for r in routes) == 3 and sum("GatewayId" in r for r in routes) == 3
    # S3 and DynamoDB through their gateway endpoints (no NAT charge per GB); the rest through the NAT gateways.
    assert _endpoints(resources) == {"dynamodb": "Gateway", "s3": "Gateway"}
    assert len(_of(resources, "AWS::EC2::FlowLog")) == 1


def test_an_existing_vpc_with_endpoints_gets_them_in_its_route_tables_and_nothing_else() -> None:
    resources = _build({**EXISTING, "lmi_route_table_ids": ROUTE_TABLES}, *ORDERS_LIKE)
    assert not _of(resources, "AWS::EC2::VPC") and not _of(resources, "AWS::EC2::FlowLog")
    (provider,) = _of(resources, "AWS::Lambda::CapacityProvider")
    assert provider["VpcConfig"]["SubnetIds"] == SUBNETS
    assert _endpoints(resources) == {
        "dynamodb": "Gateway",
        "s3": "Gateway",
        "secretsmanager": "Interface",
        "xray": "Interface",
        "logs": "Interface",  # the operator role's, for the provider's system logs
    }
    gateways = [e for e in _of(resources, "AWS::EC2::VPCEndpoint") if e["VpcEndpointType"] == "Gateway"]
    assert [e["RouteTableIds"] for e in gateways] == [ROUTE_TABLES, ROUTE_TABLES]
    assert all(e["VpcId"] == EXISTING["lmi_vpc_id"] for e in _of(resources, "AWS::EC2::VPCEndpoint"))


def test_an_existing_vpc_with_nat_is_left_as_it_is() -> None:
    resources = _build({**EXISTING, "lmi_egress": "nat"}, *ORDERS_LIKE)
    assert _endpoints(resources) == {}
    types = {r["Type"] for r in resources.values()}
    assert types == {"AWS::EC2::SecurityGroup", "AWS::IAM::Role", "AWS::IAM::Policy"} | {
        "AWS::Logs::LogGroup",
        "AWS::Lambda::CapacityProvider",
    }


def test_a_service_without_a_known_endpoint_is_refused_at_synth() -> None:
    with pytest.raises(ValueError, match=r"stage 'dev': .* call \['bedrock'\], for which .* knows no VPC endpoint"):
        _build({}, "bedrock:InvokeModel")
    assert "Gateway" in _endpoints(_build({"lmi_egress": "nat"}, "bedrock:InvokeModel", "s3:GetObject")).values()


def test_statements_are_split_by_the_service_of_their_actions() -> None:
    stack = cdk.Stack(cdk.App(), "probe")
    role = _function_role(stack, "s3:GetObject")
    role.add_to_policy(iam.PolicyStatement(actions=["logs:PutLogEvents", "xray:PutTraceSegments"], resources=["*"]))
    found = statements_by_service([role])
    assert {service: [s["Action"] for s in statements] for service, statements in found.items()} == {
        "s3": [["s3:GetObject"]],
        "logs": [["logs:PutLogEvents"]],
        "xray": [["xray:PutTraceSegments"]],
    }
