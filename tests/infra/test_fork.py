"""Fork in one setting: another project name gives stack names, exports and physical names that never
collide with the default project's, so two forks (and all their stages, including those added in
cdk.json) share one account and region. tests/fork runs the whole infra suite under another name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stacks.naming import ORDERS_FUNCTION
from stacks.project import load_project
from tests.infra.conftest import STAGES, Synth, synthesize

# Properties that set a resource's physical name (CloudFormation otherwise generates a unique one).
NAME_PROPERTIES = (
    "TableName",
    "BucketName",
    "FunctionName",
    "RoleName",
    "TopicName",
    "DashboardName",
    "Name",
    "LogGroupName",
    "QueryDefinitionName",
    "ApplicationName",
    "DeploymentGroupName",
    "SecretName",
    "LayerName",
    "ApiName",
)
# Names that are only unique within their parent, not account-wide.
SCOPED_NAME_TYPES = {"AWS::Lambda::Alias", "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage"}


def _physical_names(template: dict[str, Any]) -> set[str]:
    names = set()
    for resource in template["Resources"].values():
        if resource["Type"] in SCOPED_NAME_TYPES:
            continue
        for prop in NAME_PROPERTIES:
            value = resource.get("Properties", {}).get(prop)
            if isinstance(value, str):
                names.add(f"{resource['Type']}:{value}")
        # The Power Tuning application names its state machine from this parameter.
        prefix = resource.get("Properties", {}).get("Parameters", {}).get("stateMachineNamePrefix")
        if isinstance(prefix, str):
            names.add(f"state machine:{prefix}")
    return names


def _exports(template: dict[str, Any]) -> set[str]:
    return {str(o["Export"]["Name"]) for o in template.get("Outputs", {}).values() if "Export" in o}


def _identity(synth: Synth) -> tuple[set[str], set[str], set[str]]:
    stacks, exports, names = set(), set(), set()
    for stack_name, template in synth.templates.items():
        stacks.add(stack_name)
        exports |= _exports(template)
        names |= _physical_names(template)
    return stacks, exports, names


# Another project than cdk.json's (which tests/fork sets to "shop-orders").
FORK = next(name for name in ("shop-orders", "book-orders") if name != load_project().name)
# Stages a fork adds in cdk.json, next to dev and prod.
ADDED_STAGES = {
    "staging": {"extends": "prod", "provisioned_concurrency": 1, "pc_max": 2, "pc_business_hours_min": 0},
    "sandbox": {"extends": "dev", "memory_mb": 256},
}
# The fork also left the X-Ray SDK: OpenTelemetry in dev, no tracing in prod (the settings the default
# stages don't use, in the same synth).
FORK_TRACING = {"dev": {"tracing": "otel"}, "prod": {"tracing": "off"}}


def _synth_all(tmp_path_factory: pytest.TempPathFactory, stages: dict[str, Any], **context: str) -> Synth:
    return synthesize(
        Path(tmp_path_factory.mktemp("fork")),
        stage="all",
        stages=stages,
        power_tuning="true",
        guard="false",
        **context,  # naming only: policy-checks runs Guard
    )


@pytest.fixture(scope="module")
def fork(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return _synth_all(tmp_path_factory, {**FORK_TRACING, **ADDED_STAGES}, project_name=FORK)


@pytest.fixture(scope="module")
def default_with_power_tuning(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return _synth_all(tmp_path_factory, ADDED_STAGES)


def test_fork_renames_every_stack(fork: Synth) -> None:
    assert sorted(fork.templates) == sorted(
        f"{FORK}-{stage}-{kind}" for stage in (*STAGES, *ADDED_STAGES) for kind in ("data", "service", "power-tuning")
    )


def test_fork_and_default_never_collide(fork: Synth, default_with_power_tuning: Synth) -> None:
    (stacks, exports, names), (fork_stacks, fork_exports, fork_names) = (
        _identity(default_with_power_tuning),
        _identity(fork),
    )
    assert stacks and names and fork_stacks and fork_names
    assert not stacks & fork_stacks
    assert not exports & fork_exports  # (weak cross-stack references: there are none today)
    assert not names & fork_names


def test_stages_of_one_project_never_collide(default_with_power_tuning: Synth) -> None:
    synth = default_with_power_tuning
    by_stage = {
        stage: set().union(
            *(
                _physical_names(template) | _exports(template) | {name}
                for name, template in synth.templates.items()
                if name.startswith(f"{synth.project.name}-{stage}-")
            )
        )
        for stage in synth.project.selected
    }
    assert sorted(by_stage) == sorted([*STAGES, *ADDED_STAGES])
    for stage, names in by_stage.items():
        assert names, stage
        for other, other_names in by_stage.items():
            assert stage == other or not names & other_names, (stage, other)


def test_added_stages_take_their_parent_settings(default_with_power_tuning: Synth) -> None:
    synth = default_with_power_tuning
    _, function = synth.of_function("staging", ORDERS_FUNCTION, "AWS::Lambda::Function")
    assert function["Properties"]["MemorySize"] == synth.config("prod").memory_mb
    _, target = synth.of_function("staging", ORDERS_FUNCTION, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert (target["Properties"]["MinCapacity"], target["Properties"]["MaxCapacity"]) == (1, 2)
    _, sandbox = synth.of_function("sandbox", ORDERS_FUNCTION, "AWS::Lambda::Function")
    assert sandbox["Properties"]["MemorySize"] == 256


def test_synth_needs_no_credentials(fork: Synth) -> None:
    # Account-agnostic: the account is resolved at deploy time, never looked up at synth.
    for template in fork.templates.values():
        assert "123456789012" not in str(template)
    assert not (fork.outdir / "cdk.context.json").exists()


def _fork_resources(fork: Synth, stage: str, type_: str) -> list[dict[str, Any]]:
    resources = fork.templates[f"{FORK}-{stage}-service"]["Resources"].values()
    return [r["Properties"] for r in resources if r["Type"] == type_]


def _orders_function(fork: Synth, stage: str) -> dict[str, Any]:
    functions = _fork_resources(fork, stage, "AWS::Lambda::Function")
    [function] = [f for f in functions if f.get("Handler") == "orders.handler.lambda_handler"]
    return function


def test_tracing_backend_selects_the_layer_and_tracing_mode(fork: Synth) -> None:
    layers = {
        stage: sorted(
            layer["Description"].split(" and its deps")[0].split(":")[0]
            for layer in _fork_resources(fork, stage, "AWS::Lambda::LayerVersion")
        )
        for stage in FORK_TRACING
    }
    # otel: its own dependencies layer (OpenTelemetry, no X-Ray SDK); off: the common layer only.
    assert layers == {"dev": ["OpenTelemetry (OTLP over UDP to X-Ray)", "common"], "prod": ["common"]}
    dev, prod = _orders_function(fork, "dev"), _orders_function(fork, "prod")
    assert (dev["TracingConfig"], dev["Environment"]["Variables"]["TRACING"]) == ({"Mode": "Active"}, "otel")
    assert (prod["TracingConfig"], prod["Environment"]["Variables"]["TRACING"]) == ({"Mode": "PassThrough"}, "off")
    assert len(dev["Layers"]) == 2 and len(prod["Layers"]) == 1


def test_otel_needs_no_permission_beyond_active_tracing(fork: Synth) -> None:
    # The exporter sends to Lambda's X-Ray daemon over UDP: each role's X-Ray statement is active tracing's.
    xray_actions = sorted(
        {
            action
            for policy in _fork_resources(fork, "dev", "AWS::IAM::Policy")
            for statement in policy["PolicyDocument"]["Statement"]
            for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
            if action.startswith("xray:")
        }
    )
    assert xray_actions == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]


def test_tracing_off_is_acknowledged_with_a_reason_only_where_chosen(fork: Synth) -> None:
    report = json.loads((fork.outdir / "validation-report.json").read_text())
    paths = [
        construct["constructPath"]
        for plugin in report["pluginReports"]
        for finding in plugin["suppressedViolations"]
        if finding["ruleName"] == "Serverless-LambdaTracing"
        for construct in finding["violatingConstructs"]
    ]
    assert any(path.startswith(f"{FORK}-prod-service/Orders/") for path in paths)
    assert not any(path.startswith(f"{FORK}-dev-service/Orders/") for path in paths)
