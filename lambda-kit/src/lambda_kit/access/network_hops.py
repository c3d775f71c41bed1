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

PROVIDER = "AWS::Lambda::CapacityProvider"
OPERATOR_POLICY = "AWSLambdaManagedEC2ResourceOperator"
LOG_WRITES = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}
THIS_ACCOUNTS_PRINCIPALS = {"StringEquals": {"aws:PrincipalAccount": read.ACCOUNT}}


def _provider_log_group(t: read.StackTemplate, provider: Mapping[str, Any]) -> str:
    group = provider.get("TelemetryConfig", {}).get("LoggingConfig", {}).get("LogGroup")
    assert group is not None, (
        f"{t.stack}: a capacity provider logs to the default group, which no stack owns or expires"
    )
    return t.referenced(group, "AWS::Logs::LogGroup")


def capacity_provider_hops(t: read.StackTemplate) -> Iterator[read.Hop]:
    """Lambda -> the provider's EC2 resources and system logs, as its operator role: assumable by Lambda for this
    account only; AWS's managed policy for the EC2 part (its writes conditioned on resources Lambda's scaler
    manages), our own statements for the logs, on the provider's log group only."""
    for provider_id, provider in t.of_type(PROVIDER):
        role_id = t.referenced(provider["PermissionsConfig"]["CapacityProviderOperatorRoleArn"], "AWS::IAM::Role")
        role = t.resource(role_id)["Properties"]
        trust = read.one(role["AssumeRolePolicyDocument"]["Statement"], f"statement in {role_id}'s trust policy")
        assert read.allows(trust, {"Service": "lambda.amazonaws.com"}, {"sts:AssumeRole"}), role_id
        assert trust.get("Condition") == {"StringEquals": {"aws:SourceAccount": read.ACCOUNT}}, (
            f"{role_id}: any account"
        )
        managed = [t.text(arn) for arn in role.get("ManagedPolicyArns", [])]
        assert len(managed) == 1 and managed[0].endswith(f":iam::aws:policy/{OPERATOR_POLICY}"), managed
        group = _provider_log_group(t, provider)
        group_arn = t.get_att(group, "Arn")
        for statement in t.role_statements(role_id):
            actions = set(read.as_list(statement["Action"]))
            resources = {t.text(res) for res in read.as_list(statement["Resource"])}
            assert actions <= LOG_WRITES and resources == {group_arn}, f"{role_id} allows {actions} on {resources}"
        yield read.Hop(
            f"capacity provider {t.path(provider_id)}",
            f"its EC2 instances, network interfaces, volumes; log group {t.path(group)}",
            f"lambda.amazonaws.com (role {t.path(role_id)})",
            f"{OPERATOR_POLICY} (AWS-managed); logs:CreateLogGroup, CreateLogStream, PutLogEvents on its log group",
            "trust: aws:SourceAccount = this account; EC2 writes only on resources tagged "
            "ec2:ManagedResourceOperator = scaler.lambda.amazonaws.com (the managed policy)",
        )


def _functions_on(t: read.StackTemplate, provider_id: str) -> Iterator[tuple[str, str]]:
    """(function, its role) of every function of the stack that runs on the provider."""
    for function_id, function in t.of_type("AWS::Lambda::Function"):
        config = function.get("CapacityProviderConfig", {}).get("LambdaManagedInstancesCapacityProviderConfig")
        if config and t.refers_to(config["CapacityProviderArn"]) == (t.stack, provider_id):
            yield function_id, t.referenced(function["Role"], "AWS::IAM::Role")


def _service(endpoint: Mapping[str, Any]) -> str:
    name = endpoint["ServiceName"]
    return str(name if isinstance(name, str) else name["Fn::Join"][1][-1]).rsplit(".", 1)[1]


def _ingress_sources(t: read.StackTemplate, group: str) -> set[tuple[str, int, int, str | None]]:
    """(protocol, from, to, source group) of every ingress rule of a security group of the stack."""
    rules = list(t.resource(group)["Properties"].get("SecurityGroupIngress", []))
    rules += [
        rule
        for _, rule in t.of_type("AWS::EC2::SecurityGroupIngress")
        if t.refers_to(rule["GroupId"]) == (t.stack, group)
    ]
    found = set()
    for rule in rules:
        source = t.refers_to(rule["SourceSecurityGroupId"]) if "SourceSecurityGroupId" in rule else None
        found.add((rule["IpProtocol"], rule["FromPort"], rule["ToPort"], source[1] if source else rule.get("CidrIp")))
    return found


def endpoint_hops(t: read.StackTemplate) -> Iterator[read.Hop]:
    """A function on a capacity provider -> each VPC endpoint its calls leave through. The endpoint's policy allows
    this account's principals exactly actions and resources the roles acting from the instances (the functions',
    the operator role) allow; an interface endpoint takes HTTPS from the instances' security group only. In a VPC of
    the stack's own with no NAT gateway, every service the roles call has its endpoint (else the calls go nowhere)."""
    endpoints = list(t.of_type("AWS::EC2::VPCEndpoint"))
    for provider_id, provider in t.of_type(PROVIDER):
        functions = list(_functions_on(t, provider_id))
        assert functions, f"{t.stack}/{provider_id} runs no function"
        roles = [role for _, role in functions]
        roles.append(t.referenced(provider["PermissionsConfig"]["CapacityProviderOperatorRoleArn"], "AWS::IAM::Role"))
        granted = {
            (action, t.text(res))
            for role in roles
            for s in t.role_statements(role)
            for action in read.as_list(s["Action"])
            for res in read.as_list(s["Resource"])
        }
        (instances_group,) = [
            t.referenced(g, "AWS::EC2::SecurityGroup") for g in provider["VpcConfig"]["SecurityGroupIds"]
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
                    (a, t.text(res))
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
                    sources = _ingress_sources(t, t.referenced(group, "AWS::EC2::SecurityGroup"))
                    assert sources == {("tcp", 443, 443, instances_group)}, f"{endpoint_id} takes {sources}"
            covered.add(service)
            actions = sorted({a for s in statements for a in read.as_list(s["Action"])})
            yield read.Hop(
                ", ".join(t.path(f) for f, _ in functions) + f" on {t.path(provider_id)}",
                f"{endpoint['VpcEndpointType'].lower()} endpoint {service} ({t.path(endpoint_id)})",
                "principals of this account (the roles acting from the instances)",
                ", ".join(actions),
                "endpoint policy: aws:PrincipalAccount = this account, the roles' resources only"
                + (
                    "; HTTPS from the instances' security group only"
                    if endpoint["VpcEndpointType"] == "Interface"
                    else ""
                ),
            )
        own_vpc = any(t.refers_to(subnet) for subnet in provider["VpcConfig"]["SubnetIds"])
        if own_vpc and not list(t.of_type("AWS::EC2::NatGateway")):
            called = {action.split(":")[0] for action, _ in granted}
            assert called <= covered, f"{t.stack}/{provider_id}: no way out for {sorted(called - covered)}"


_FLOW_LOG_ARN = re.compile(r"^arn:[^:]+:ec2:[^:]+:\$\{AWS::AccountId\}:vpc-flow-log/\*$")


def flow_log_hops(t: read.StackTemplate) -> Iterator[read.Hop]:
    """VPC flow logs -> their log group, as the role the flow-log service assumes: for this account's flow logs
    only, allowed to write that log group and nothing else."""
    for flow_log_id, flow_log in t.of_type("AWS::EC2::FlowLog"):
        assert flow_log["LogDestinationType"] == "cloud-watch-logs", flow_log_id
        group = t.referenced({"Ref": flow_log["LogGroupName"]["Ref"]}, "AWS::Logs::LogGroup")
        role_id = t.referenced(flow_log["DeliverLogsPermissionArn"], "AWS::IAM::Role")
        trust = read.one(
            t.resource(role_id)["Properties"]["AssumeRolePolicyDocument"]["Statement"],
            f"statement in {role_id}'s trust policy",
        )
        assert read.allows(trust, {"Service": "vpc-flow-logs.amazonaws.com"}, {"sts:AssumeRole"}), role_id
        assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": read.ACCOUNT}, role_id
        assert _FLOW_LOG_ARN.match(t.text(trust["Condition"]["ArnLike"]["aws:SourceArn"])), role_id
        group_arn = t.get_att(group, "Arn")
        for statement in t.role_statements(role_id):
            resources = {t.text(res) for res in read.as_list(statement["Resource"])}
            assert set(read.as_list(statement["Action"])) <= LOG_WRITES and resources == {group_arn}, role_id
        yield read.Hop(
            f"flow log {t.path(flow_log_id)} ({flow_log['TrafficType']} traffic)",
            f"log group {t.path(group)}",
            f"vpc-flow-logs.amazonaws.com (role {t.path(role_id)})",
            "logs:CreateLogStream, logs:PutLogEvents, logs:DescribeLogStreams on that log group",
            "trust: aws:SourceAccount = this account, aws:SourceArn = this account's flow logs",
        )
