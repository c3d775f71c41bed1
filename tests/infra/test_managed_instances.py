"""A managed-instances stage, as synthesized (the session's ``lmi`` synth: dev switched to the strategy): its capacity
provider, the function on it and the function's versions and alias, the VPC and its route out, and what monitors
them. Numbers are derived from the stage's settings here, not copied from the template."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from lambda_kit.access.iam_reading import (
    Call,
    endpoint_permissions,
    environment_bindings,
    function_role,
    iam_requests,
    role_permissions,
)
from lambda_kit.assembly.intrinsics import Resolver

from stacks.managed_instances_rules import sizing
from stacks.service_stack import ORDERS
from tests.infra.conftest import FUNCTION_NAMES, Synth
from tests.infra.orders_role import ENVIRONMENT, PSEUDO

pytestmark = pytest.mark.xdist_group("lmi")

CAPACITY = "AWS::Lambda::CapacityProvider"


def _path(resource: dict[str, Any]) -> str:
    return str(resource["Metadata"]["aws:cdk:path"]).split("/", 1)[1]


def _provider(lmi: Synth) -> dict[str, Any]:
    return lmi.only("dev", "service", CAPACITY)


def test_the_capacity_provider_runs_the_stages_architecture_with_the_derived_vcpus(lmi: Synth) -> None:
    config, provider = lmi.config("dev"), _provider(lmi)["Properties"]
    assert provider["InstanceRequirements"] == {"Architectures": [config.architecture]}
    size = sizing(config)
    # 10 environments of the serving version + 3 of the new one, 1 vCPU each, on large instances that keep 1 of 2.
    assert (size.vcpus_per_environment, size.environments) == (1, 13)
    assert provider["CapacityProviderScalingConfig"] == {"MaxVCpuCount": 26, "ScalingMode": "Auto"}
    subnets = [s["Ref"] for s in provider["VpcConfig"]["SubnetIds"]]
    zones = {lmi.template("dev", "service")["Resources"][s]["Properties"]["AvailabilityZone"] for s in subnets}
    assert zones == set(config.lmi_availability_zones) and len(subnets) == 3
    logs = lmi.template("dev", "service")["Resources"][provider["TelemetryConfig"]["LoggingConfig"]["LogGroup"]["Ref"]]
    assert logs["Properties"]["RetentionInDays"] == config.log_retention_days


def test_the_operator_role_is_lambdas_for_this_account_and_may_write_the_providers_logs(lmi: Synth) -> None:
    resources = lmi.template("dev", "service")["Resources"]
    role_id = _provider(lmi)["Properties"]["PermissionsConfig"]["CapacityProviderOperatorRoleArn"]["Fn::GetAtt"][0]
    role = resources[role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    (managed,) = role["ManagedPolicyArns"]
    assert managed["Fn::Join"][1][-1] == ":iam::aws:policy/AWSLambdaManagedEC2ResourceOperator"
    log_group = _provider(lmi)["Properties"]["TelemetryConfig"]["LoggingConfig"]["LogGroup"]["Ref"]
    allowed = {
        (action, str(resource))
        for policy in lmi.resources("dev", "service", "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        for resource in [statement["Resource"]]
    }
    arn = str({"Fn::GetAtt": [log_group, "Arn"]})
    assert allowed == {(a, arn) for a in ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")}


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_each_function_runs_on_the_provider_with_the_stages_concurrency_and_ratio(lmi: Synth, name: str) -> None:
    config = lmi.config("dev")
    logical_id, function = lmi.of_function("dev", name, "AWS::Lambda::Function")
    properties = function["Properties"]
    assert _path(function).endswith("/ManagedFunction/Resource")
    provider_id = next(iter(lmi.resources("dev", "service", CAPACITY)))
    assert properties["CapacityProviderConfig"] == {
        "LambdaManagedInstancesCapacityProviderConfig": {
            "CapacityProviderArn": {"Fn::GetAtt": [provider_id, "Arn"]},
            "ExecutionEnvironmentMemoryGiBPerVCpu": config.lmi_memory_gib_per_vcpu,
            "PerExecutionEnvironmentMaxConcurrency": config.lmi_max_concurrency,
        }
    }
    assert properties["MemorySize"] == config.memory_mb
    # Its alias's versions only: no $LATEST.PUBLISHED keeping 3 more environments.
    assert properties["PublishToLatestPublished"] is False
    assert properties["LoggingConfig"]["LogFormat"] == "JSON"  # what LMI always uses
    assert "SnapStart" not in properties and "ReservedConcurrentExecutions" not in properties
    assert properties["TracingConfig"] == {"Mode": "Active"}
    version_id, version = lmi.of_function("dev", name, "AWS::Lambda::Version")
    assert version["Properties"]["FunctionName"] == {"Ref": logical_id}
    assert version["Properties"]["FunctionScalingConfig"] == {
        "MinExecutionEnvironments": config.lmi_min_environments,
        "MaxExecutionEnvironments": config.lmi_max_environments,
    }
    # Deleted once the alias has moved on: a kept version would keep its minimum environments running.
    assert version["DeletionPolicy"] == version["UpdateReplacePolicy"] == "Delete"
    alias = lmi.of_function("dev", name, "AWS::Lambda::Alias")[1]["Properties"]
    assert alias["Name"] == "production"
    assert alias["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
    assert "ProvisionedConcurrencyConfig" not in alias


def test_the_vpc_has_private_subnets_only_with_flow_logs_and_no_way_out_but_its_endpoints(lmi: Synth) -> None:
    resources = lmi.template("dev", "service")["Resources"]
    types = {r["Type"] for r in resources.values()}
    assert not types & {"AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EIP", "AWS::EC2::Route"}
    subnets = lmi.resources("dev", "service", "AWS::EC2::Subnet").values()
    assert [s["Properties"]["MapPublicIpOnLaunch"] for s in subnets] == [False] * 3
    flow_log = lmi.only("dev", "service", "AWS::EC2::FlowLog")["Properties"]
    assert (flow_log["ResourceType"], flow_log["TrafficType"], flow_log["LogDestinationType"]) == (
        "VPC",
        "ALL",
        "cloud-watch-logs",
    )
    groups = {_path(g): g["Properties"] for g in lmi.resources("dev", "service", "AWS::EC2::SecurityGroup").values()}
    instances = groups["ManagedInstances/Network/InstancesSecurityGroup/Resource"]
    assert "SecurityGroupIngress" not in instances  # egress only
    assert [(e["IpProtocol"], e["FromPort"], e["ToPort"]) for e in instances["SecurityGroupEgress"]] == [
        ("tcp", 443, 443)
    ]


def _role_actions_by_service(lmi: Synth) -> dict[str, set[str]]:
    """Every action the functions' and the operator role's policies allow, by service: read from the template."""
    roles = [lmi.of_function("dev", name, "AWS::IAM::Role")[0] for name in FUNCTION_NAMES]
    provider = _provider(lmi)["Properties"]
    roles.append(provider["PermissionsConfig"]["CapacityProviderOperatorRoleArn"]["Fn::GetAtt"][0])
    found: dict[str, set[str]] = {}
    for policy in lmi.resources("dev", "service", "AWS::IAM::Policy").values():
        if any({"Ref": role} in policy["Properties"]["Roles"] for role in roles):
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
                for action in actions:
                    found.setdefault(action.split(":")[0], set()).add(action)
    return found


def test_every_service_the_roles_call_has_its_endpoint_whose_policy_allows_just_those_calls(lmi: Synth) -> None:
    wanted = _role_actions_by_service(lmi)
    # The orders function's data and telemetry: a regression that drops one of them drops its endpoint too.
    assert set(wanted) == {"dynamodb", "s3", "secretsmanager", "logs", "xray"}
    endpoints = lmi.resources("dev", "service", "AWS::EC2::VPCEndpoint").values()
    by_service: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        name = endpoint["Properties"]["ServiceName"]
        service = (name if isinstance(name, str) else name["Fn::Join"][1][-1]).rsplit(".", 1)[1]
        by_service[service] = endpoint["Properties"]
    assert set(by_service) == set(wanted)
    for service, endpoint in by_service.items():
        kind = "Gateway" if service in ("s3", "dynamodb") else "Interface"
        assert endpoint["VpcEndpointType"] == kind, service
        statements = endpoint["PolicyDocument"]["Statement"]
        allowed = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
        assert allowed == wanted[service], service
        for statement in statements:
            assert statement["Principal"] == {"AWS": "*"}
            assert statement["Condition"]["StringEquals"]["aws:PrincipalAccount"] == {"Ref": "AWS::AccountId"}
        if kind == "Interface":
            assert endpoint["PrivateDnsEnabled"] is True and len(endpoint["SubnetIds"]) == 3


def test_interface_endpoints_take_https_from_the_instances_only(lmi: Synth) -> None:
    groups = {
        logical_id: _path(g) for logical_id, g in lmi.resources("dev", "service", "AWS::EC2::SecurityGroup").items()
    }
    (ingress,) = lmi.resources("dev", "service", "AWS::EC2::SecurityGroupIngress").values()
    rule = ingress["Properties"]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 443, 443)
    assert groups[rule["SourceSecurityGroupId"]["Fn::GetAtt"][0]].endswith("InstancesSecurityGroup/Resource")
    assert groups[rule["GroupId"]["Fn::GetAtt"][0]].endswith("Endpoints/InterfaceSecurityGroup/Resource")


def test_monitoring_watches_the_providers_cpu_and_the_share_of_throttled_requests(lmi: Synth) -> None:
    alarms = {_path(a): a["Properties"] for a in lmi.resources("dev", "service", "AWS::CloudWatch::Alarm").values()}
    cpu = alarms["Monitoring/ProviderCpu/Resource"]
    provider_id = next(iter(lmi.resources("dev", "service", CAPACITY)))
    assert (cpu["Namespace"], cpu["MetricName"], cpu["Period"], cpu["Threshold"]) == (
        "AWS/Lambda",
        "CPUUtilization",
        300,
        80,
    )
    assert cpu["Dimensions"] == [{"Name": "CapacityProviderName", "Value": {"Ref": provider_id}}]
    throttles = alarms["Monitoring/Throttles/Resource"]
    (expression,) = [m for m in throttles["Metrics"] if "Expression" in m]
    assert expression["Expression"] == "100 * throttles / (invocations + throttles)"
    assert (throttles["Threshold"], throttles["ComparisonOperator"]) == (1, "GreaterThanThreshold")
    # No environment starts on the request path: no cold-start query, and no cold-start widget.
    assert lmi.resources("dev", "service", "AWS::Logs::QueryDefinition") == {}
    body = str(lmi.only("dev", "service", "AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"])
    assert "vCPUAvailable" in body and not re.search("Cold starts per version", body)


CALLS = [  # what the orders code calls (tests/integration/test_least_privilege.py records them)
    Call("dynamodb", "PutItem", {"TableName": ENVIRONMENT["TABLE_NAME"]}),
    Call("dynamodb", "GetItem", {"TableName": ENVIRONMENT["TABLE_NAME"]}),
    Call("s3", "GetObject", {"Bucket": ENVIRONMENT["CONFIG_BUCKET"], "Key": "config.json"}),
    Call("secretsmanager", "GetSecretValue", {"SecretId": ENVIRONMENT["RECEIPT_SECRET_ARN"]}),
]


def test_each_call_of_the_function_is_allowed_by_its_role_and_by_its_endpoint_for_this_account(lmi: Synth) -> None:
    stack = lmi.config("dev").stack_name("service")
    resolver = Resolver(lmi.templates, pseudo=PSEUDO)
    function_id, role_id = function_role(resolver, stack, ORDERS.handler)
    resolver.physical.update(environment_bindings(resolver, stack, function_id, ENVIRONMENT))
    role = role_permissions(resolver, stack, role_id)
    endpoints = {
        _path(resource).split("/")[-2].lower(): endpoint_permissions(resolver, stack, logical_id)
        for logical_id, resource in lmi.resources("dev", "service", "AWS::EC2::VPCEndpoint").items()
    }
    ours, theirs = {"aws:PrincipalAccount": PSEUDO["AWS::AccountId"]}, {"aws:PrincipalAccount": "210987654321"}
    for call in CALLS:
        (request,) = iam_requests(call, role.pseudo)
        endpoint = endpoints[call.service]
        assert role.allows_request(request) and endpoint.allows_request(request, ours), call
        assert not endpoint.allows_request(request, theirs), f"{call}: another account's credentials pass"
    # The same call on a bucket of another account's: the role would not allow it, and nor does the endpoint.
    (elsewhere,) = iam_requests(Call("s3", "GetObject", {"Bucket": "exfiltration", "Key": "orders.json"}), role.pseudo)
    assert not endpoints["s3"].allows_request(elsewhere, ours)


def test_cdk_nag_passes_with_one_acknowledgment_more_the_operator_roles_managed_policy(lmi: Synth) -> None:
    report = json.loads((lmi.outdir / "validation-report.json").read_text())
    plugins = [p for p in report["pluginReports"] if p["pluginName"] in ("AwsSolutions", "Serverless")]
    assert len(plugins) == 2 and all(p["violations"] == [] for p in plugins)
    on_the_provider = {
        finding["ruleName"]
        for plugin in plugins
        for finding in plugin["suppressedViolations"]
        for construct in finding["violatingConstructs"]
        if "/ManagedInstances/" in construct["constructPath"]
    }
    # Flow logs on (VPC7 fixed), own roles with resource-scoped grants: only the AWS-managed operator policy is left.
    assert on_the_provider == {
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSLambdaManagedEC2ResourceOperator]"
    }
