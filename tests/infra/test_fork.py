"""Fork in one setting: another project name gives stack names, exports and physical names that never
collide with the default project's, so two forks (and their two stages) share one account and region."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import Synth, synthesize

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


@pytest.fixture(scope="module")
def fork(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(
        Path(tmp_path_factory.mktemp("fork")),
        stage="dev,prod",
        project_name="shop-orders",
        power_tuning="true",
        guard="false",  # naming only: the session's synth runs the Guard rules
    )


@pytest.fixture(scope="module")
def default_with_power_tuning(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(Path(tmp_path_factory.mktemp("default-pt")), stage="dev,prod", power_tuning="true", guard="false")


def test_fork_renames_every_stack(fork: Synth) -> None:
    assert sorted(fork.templates) == sorted(
        f"shop-orders-{stage}-{kind}" for stage in ("dev", "prod") for kind in ("data", "service", "power-tuning")
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
    by_stage: dict[str, set[str]] = {"dev": set(), "prod": set()}
    for stack_name, template in default_with_power_tuning.templates.items():
        stage = re.search(r"-(dev|prod)-", stack_name).group(1)  # type: ignore[union-attr]
        by_stage[stage] |= _physical_names(template) | _exports(template)
    assert by_stage["dev"] and by_stage["prod"]
    assert not by_stage["dev"] & by_stage["prod"]


def test_synth_needs_no_credentials(fork: Synth) -> None:
    # Account-agnostic: the account is resolved at deploy time, never looked up at synth.
    for template in fork.templates.values():
        assert "123456789012" not in str(template)
    assert not (fork.outdir / "cdk.context.json").exists()
