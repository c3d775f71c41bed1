"""The stateless stack: layers, function, alias with provisioned concurrency, HTTP API, IAM."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import assertions

from stacks.function_routes import declared_routes
from stacks.naming import ORDERS_FUNCTION
from tests.infra.conftest import FUNCTION_NAMES, STAGES, Synth, all_routes


def _function(synth: Synth, stage: str) -> tuple[str, dict[str, Any]]:
    return synth.of_function(stage, ORDERS_FUNCTION, "AWS::Lambda::Function")


@pytest.mark.parametrize("stage", STAGES)
def test_layers_target_the_function_runtime_and_architecture(synth: Synth, stage: str) -> None:
    layers = synth.resources(stage, "service", "AWS::Lambda::LayerVersion")
    assert len(layers) == 2
    for layer in layers.values():
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.14"]
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    _, function = _function(synth, stage)
    assert sorted(ref["Ref"] for ref in function["Properties"]["Layers"]) == sorted(layers)


@pytest.mark.parametrize("stage", STAGES)
def test_function_settings_come_from_the_stage_config(synth: Synth, stage: str) -> None:
    config = synth.config(stage)
    _, function = _function(synth, stage)
    props = function["Properties"]
    assert props["Runtime"] == "python3.14"
    assert props["Architectures"] == [config.architecture]
    assert props["MemorySize"] == config.memory_mb
    assert props["Timeout"] == config.timeout_seconds <= 29
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["LoggingConfig"]["LogFormat"] == "Text"  # the layer's logger already writes JSON


@pytest.mark.parametrize("stage", STAGES)
def test_function_environment(synth: Synth, stage: str) -> None:
    _, function = _function(synth, stage)
    env = function["Properties"]["Environment"]["Variables"]
    assert set(env) == {
        "TABLE_NAME",
        "CONFIG_BUCKET",
        "CONFIG_KEY",
        "CONFIG_TTL_SECONDS",
        "LOG_LEVEL",
        "RECEIPT_SECRET_ARN",
        "SMOKE_ID_PREFIX",  # its pre-traffic hook's orders expire in a day
        "TRACING",
    } | ({"ORDER_RETENTION_DAYS"} if synth.config(stage).order_retention_days else set())
    assert env["TRACING"] == "xray-sdk"  # the default backend in every stage
    # Names come from the data stack's outputs, read with weak references (cdk.json's
    # defaultCrossStackReferences): no export locks the data stack to the service stack.
    for name in ("TABLE_NAME", "CONFIG_BUCKET", "RECEIPT_SECRET_ARN"):
        assert env[name]["Fn::GetStackOutput"]["StackName"] == synth.config(stage).stack_name("data")
    assert env["CONFIG_KEY"] == "config.json"


@pytest.mark.parametrize("stage", STAGES)
def test_log_group_retention_from_config(synth: Synth, stage: str) -> None:
    config = synth.config(stage)
    _, function = _function(synth, stage)
    log_group_ref = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    log_group = synth.template(stage, "service")["Resources"][log_group_ref]
    assert log_group["Properties"]["RetentionInDays"] == config.log_retention_days


@pytest.mark.parametrize("name", FUNCTION_NAMES)
@pytest.mark.parametrize("stage", STAGES)
def test_alias_production_carries_provisioned_concurrency(synth: Synth, stage: str, name: str) -> None:
    config = synth.config(stage)
    alias = synth.of_function(stage, name, "AWS::Lambda::Alias")[1]["Properties"]
    assert alias["Name"] == "production"
    version_id = alias["FunctionVersion"]["Fn::GetAtt"][0]
    version = synth.template(stage, "service")["Resources"][version_id]
    assert version["Type"] == "AWS::Lambda::Version"
    pc = alias.get("ProvisionedConcurrencyConfig")
    if config.provisioned_concurrency:
        assert pc == {"ProvisionedConcurrentExecutions": config.provisioned_concurrency}
    else:
        assert pc is None


@pytest.mark.parametrize("stage", STAGES)
def test_api_routes_integrate_the_alias_never_latest(synth: Synth, stage: str) -> None:
    template = assertions.Template.from_json(synth.template(stage, "service"))
    alias_ids = {synth.of_function(stage, name, "AWS::Lambda::Alias")[0] for name in FUNCTION_NAMES}
    for alias_id in alias_ids:
        template.has_resource_properties(
            "AWS::ApiGatewayV2::Integration",
            {
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": {"Ref": alias_id},
                "PayloadFormatVersion": "2.0",
            },
        )
    routes = {
        r["Properties"]["RouteKey"] for r in synth.resources(stage, "service", "AWS::ApiGatewayV2::Route").values()
    }
    assert routes == all_routes()
    assert {"POST /orders", "GET /orders/{order_id}"} == {r.key for r in declared_routes(ORDERS_FUNCTION)}
    # API Gateway may invoke an alias only (a permission on the function would allow $LATEST).
    permissions = synth.resources(stage, "service", "AWS::Lambda::Permission")
    assert permissions and {p["Properties"]["FunctionName"]["Ref"] for p in permissions.values()} == alias_ids


def _statements(synth: Synth, stage: str) -> list[dict[str, Any]]:
    statements = []
    for kind in ("data", "service"):
        for policy in synth.resources(stage, kind, "AWS::IAM::Policy").values():
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


@pytest.mark.parametrize("stage", STAGES)
def test_no_wildcard_resource_except_xray(synth: Synth, stage: str) -> None:
    for statement in _statements(synth, stage):
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if "*" in resources:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert all(a.startswith("xray:") for a in actions), statement


@pytest.mark.parametrize("stage", STAGES)
def test_function_role_is_least_privilege(synth: Synth, stage: str) -> None:
    _, function = _function(synth, stage)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = [
        p
        for p in synth.resources(stage, "service", "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    actions = sorted(
        a
        for p in policies
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    )
    assert actions == [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "s3:GetObject",
        "secretsmanager:GetSecretValue",  # not DescribeSecret: the code never calls it
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    ]
    assert "ManagedPolicyArns" not in synth.template(stage, "service")["Resources"][role_id]["Properties"]
    s3_statement = next(
        s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"] if s["Action"] == "s3:GetObject"
    )
    assert s3_statement["Resource"]["Fn::Join"][1][-1] == "/config.json"  # the config object only


@pytest.mark.parametrize("stage", STAGES)
def test_outputs_for_the_tools(synth: Synth, stage: str) -> None:
    outputs = synth.template(stage, "service")["Outputs"]
    assert {"OrdersFunctionName", "OrdersAliasName", "OrdersAliasArn", "HttpApiUrl"} <= set(outputs)
