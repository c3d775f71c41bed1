"""The hops of a Lambda Managed Instances capacity provider: Lambda acting on EC2 and on the provider's logs through
the operator role; every call of a function on the provider leaving through the instances' VPC, to an endpoint whose
policy allows just what the roles acting from the instances allow; the VPC's flow logs written into their log group.

Each check reads what the template declares and raises AssertionError naming the hop it cannot authorize, like the
other derivations of ``lambda_kit.access.hops``, where these are registered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from lambda_kit.access import hop_reading as read
from lambda_kit.assembly.intrinsics import Resolver

PROVIDER = "AWS::Lambda::CapacityProvider"
OPERATOR_POLICY = "AWSLambdaManagedEC2ResourceOperator"
LOG_WRITES = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}
THIS_ACCOUNTS_PRINCIPALS = {"StringEquals": {"aws:PrincipalAccount": read.ACCOUNT}}


def _provider_log_group(r: Resolver, stack: str, provider: Mapping[str, Any]) -> str:
    group = provider.get("TelemetryConfig", {}).get("LoggingConfig", {}).get("LogGroup")
    assert group is not None, f"{stack}: a capacity provider logs to the default group, which no stack owns or expires"
    return read.referenced(r, stack, group, "AWS::Logs::LogGroup")


def capacity_provider_hops(r: Resolver, stack: str) -> list[read.Hop]:
    """Lambda -> the provider's EC2 resources and system logs, as its operator role: assumable by Lambda for this
    account only; AWS's managed policy for the EC2 part (its writes conditioned on resources Lambda's scaler
    manages), our own statements for the logs, on the provider's log group only."""
    hops = []
    for provider_id, provider in read.of_type(r, stack, PROVIDER):
        role_id = read.referenced(
            r, stack, provider["PermissionsConfig"]["CapacityProviderOperatorRoleArn"], "AWS::IAM::Role"
        )
        role = r.resource(stack, role_id)["Properties"]
        trust = read.one(role["AssumeRolePolicyDocument"]["Statement"], f"statement in {role_id}'s trust policy")
        assert read.allows(trust, {"Service": "lambda.amazonaws.com"}, {"sts:AssumeRole"}), role_id
        assert trust.get("Condition") == {"StringEquals": {"aws:SourceAccount": read.ACCOUNT}}, (
            f"{role_id}: any account"
        )
        managed = [r.text(stack, arn) for arn in role.get("ManagedPolicyArns", [])]
        assert len(managed) == 1 and managed[0].endswith(f":iam::aws:policy/{OPERATOR_POLICY}"), managed
        group = _provider_log_group(r, stack, provider)
        group_arn = r.get_att(stack, group, "Arn")
        for statement in read.role_statements(r, stack, role_id):
            actions = set(read.as_list(statement["Action"]))
            resources = {r.text(stack, res) for res in read.as_list(statement["Resource"])}
            assert actions <= LOG_WRITES and resources == {group_arn}, f"{role_id} allows {actions} on {resources}"
        hops.append(
            read.Hop(
                "capacity provider",
                f"capacity provider {read.construct_path(r, stack, provider_id)}",
                f"its EC2 instances, network interfaces, volumes; log group {read.construct_path(r, stack, group)}",
                f"lambda.amazonaws.com (role {read.construct_path(r, stack, role_id)})",
                f"{OPERATOR_POLICY} (AWS-managed); logs:CreateLogGroup, CreateLogStream, PutLogEvents on its log group",
                "trust: aws:SourceAccount = this account; EC2 writes only on resources tagged "
                "ec2:ManagedResourceOperator = scaler.lambda.amazonaws.com (the managed policy)",
            )
        )
    return hops


def _functions_on(r: Resolver, stack: str, provider_id: str) -> Iterator[tuple[str, str]]:
    """(function, its role) of every function of ``stack`` that runs on the provider."""
    for function_id, function in read.of_type(r, stack, "AWS::Lambda::Function"):
        config = function.get("CapacityProviderConfig", {}).get("LambdaManagedInstancesCapacityProviderConfig")
        if config and r.refers_to(stack, config["CapacityProviderArn"]) == (stack, provider_id):
            yield function_id, read.referenced(r, stack, function["Role"], "AWS::IAM::Role")


def _service(endpoint: Mapping[str, Any]) -> str:
    name = endpoint["ServiceName"]
    return str(name if isinstance(name, str) else name["Fn::Join"][1][-1]).rsplit(".", 1)[1]


def _ingress_sources(r: Resolver, stack: str, group: str) -> set[tuple[str, int, int, str | None]]:
    """(protocol, from, to, source group) of every ingress rule of a security group of ``stack``."""
    rules = list(r.resource(stack, group)["Properties"].get("SecurityGroupIngress", []))
    rules += [
        rule
        for _, rule in read.of_type(r, stack, "AWS::EC2::SecurityGroupIngress")
        if r.refers_to(stack, rule["GroupId"]) == (stack, group)
    ]
    found = set()
    for rule in rules:
        source = r.refers_to(stack, rule["SourceSecurityGroupId"]) if "SourceSecurityGroupId" in rule else None
        found.add((rule["IpProtocol"], rule["FromPort"], rule["ToPort"], source[1] if source else rule.get("CidrIp")))
    return found


def endpoint_hops(r: Resolver, stack: str) -> list[read.Hop]:
    """A function on a capacity provider -> each VPC endpoint its calls leave through. The endpoint's policy allows
    this account's principals exactly actions and resources the roles acting from the instances (the functions',
    the operator role) allow; an interface endpoint takes HTTPS from the instances' security group only. In a VPC of
    the stack's own with no NAT gateway, every service the roles call has its endpoint (else the calls go nowhere)."""
    hops = []
    endpoints = list(read.of_type(r, stack, "AWS::EC2::VPCEndpoint"))
    for provider_id, provider in read.of_type(r, stack, PROVIDER):
        functions = list(_functions_on(r, stack, provider_id))
        assert functions, f"{stack}/{provider_id} runs no function"
        roles = [role for _, role in functions]
        roles.append(
            read.referenced(
                r, stack, provider["PermissionsConfig"]["CapacityProviderOperatorRoleArn"], "AWS::IAM::Role"
            )
        )
        granted = {
            (action, r.text(stack, res))
            for role in roles
            for s in read.role_statements(r, stack, role)
            for action in read.as_list(s["Action"])
            for res in read.as_list(s["Resource"])
        }
        (instances_group,) = [
            read.referenced(r, stack, g, "AWS::EC2::SecurityGroup") for g in provider["VpcConfig"]["SecurityGroupIds"]
        ]
        covered = set()
        for endpoint_id, endpoint in endpoints:
            service = _service(endpoint)
            statements = endpoint["PolicyDocument"]["Statement"]
            for statement in statements:
                assert statement["Effect"] == "Allow" and statement["Principal"] == {"AWS": "*"}, endpoint_id
                assert statement.get("Condition") == THIS_ACCOUNTS_PRINCIPALS, (
                    f"{endpoint_id}: any account's principals"
                )
                pairs = {
                    (a, r.text(stack, res))
                    for a in read.as_list(statement["Action"])
                    for res in read.as_list(statement["Resource"])
                }
                assert pairs <= granted, (
                    f"{endpoint_id} allows what no role acting from the instances may: {pairs - granted}"
                )
                assert all(a.startswith(f"{service}:") for a, _ in pairs), f"{endpoint_id} ({service}) allows {pairs}"
            if endpoint["VpcEndpointType"] == "Interface":
                assert endpoint["PrivateDnsEnabled"] is True, (
                    f"{endpoint_id}: the SDKs' default hostnames would miss it"
                )
                for group in endpoint["SecurityGroupIds"]:
                    sources = _ingress_sources(r, stack, read.referenced(r, stack, group, "AWS::EC2::SecurityGroup"))
                    assert sources == {("tcp", 443, 443, instances_group)}, f"{endpoint_id} takes {sources}"
            covered.add(service)
            actions = sorted({a for s in statements for a in read.as_list(s["Action"])})
            hops.append(
                read.Hop(
                    "function -> endpoint",
                    ", ".join(read.construct_path(r, stack, f) for f, _ in functions)
                    + f" on {read.construct_path(r, stack, provider_id)}",
                    f"{endpoint['VpcEndpointType'].lower()} endpoint {service} ({read.construct_path(r, stack, endpoint_id)})",
                    "principals of this account (the roles acting from the instances)",
                    ", ".join(actions),
                    "endpoint policy: aws:PrincipalAccount = this account, the roles' resources only"
                    + (
                        "; HTTPS from the instances' security group only"
                        if endpoint["VpcEndpointType"] == "Interface"
                        else ""
                    ),
                )
            )
        own_vpc = any(r.refers_to(stack, subnet) for subnet in provider["VpcConfig"]["SubnetIds"])
        if own_vpc and not list(read.of_type(r, stack, "AWS::EC2::NatGateway")):
            called = {action.split(":")[0] for action, _ in granted}
            assert called <= covered, f"{stack}/{provider_id}: no way out for {sorted(called - covered)}"
    return hops


_FLOW_LOG_ARN = re.compile(r"^arn:[^:]+:ec2:[^:]+:\$\{AWS::AccountId\}:vpc-flow-log/\*$")


def flow_log_hops(r: Resolver, stack: str) -> list[read.Hop]:
    """VPC flow logs -> their log group, as the role the flow-log service assumes: for this account's flow logs
    only, allowed to write that log group and nothing else."""
    hops = []
    for flow_log_id, flow_log in read.of_type(r, stack, "AWS::EC2::FlowLog"):
        assert flow_log["LogDestinationType"] == "cloud-watch-logs", flow_log_id
        group = read.referenced(r, stack, {"Ref": flow_log["LogGroupName"]["Ref"]}, "AWS::Logs::LogGroup")
        role_id = read.referenced(r, stack, flow_log["DeliverLogsPermissionArn"], "AWS::IAM::Role")
        trust = read.one(
            r.resource(stack, role_id)["Properties"]["AssumeRolePolicyDocument"]["Statement"],
            f"statement in {role_id}'s trust policy",
        )
        assert read.allows(trust, {"Service": "vpc-flow-logs.amazonaws.com"}, {"sts:AssumeRole"}), role_id
        assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": read.ACCOUNT}, role_id
        assert _FLOW_LOG_ARN.match(r.text(stack, trust["Condition"]["ArnLike"]["aws:SourceArn"])), role_id
        group_arn = r.get_att(stack, group, "Arn")
        for statement in read.role_statements(r, stack, role_id):
            resources = {r.text(stack, res) for res in read.as_list(statement["Resource"])}
            assert set(read.as_list(statement["Action"])) <= LOG_WRITES and resources == {group_arn}, role_id
        hops.append(
            read.Hop(
                "VPC flow logs",
                f"flow log {read.construct_path(r, stack, flow_log_id)} ({flow_log['TrafficType']} traffic)",
                f"log group {read.construct_path(r, stack, group)}",
                f"vpc-flow-logs.amazonaws.com (role {read.construct_path(r, stack, role_id)})",
                "logs:CreateLogStream, logs:PutLogEvents, logs:DescribeLogStreams on that log group",
                "trust: aws:SourceAccount = this account, aws:SourceArn = this account's flow logs",
            )
        )
    return hops
