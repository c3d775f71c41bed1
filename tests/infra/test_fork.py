"""Fork in one setting: another project name gives stack names, exports and physical names that never
collide with the default project's, so two forks (and all their stages, including those added in
cdk.json) share one account and region. tests/fork runs the whole infra suite under another name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stacks.project import load_project
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


# Another project than cdk.json's (which tests/fork sets to "shop-orders").
FORK = next(name for name in ("shop-orders", "book-orders") if name != load_project().name)
# Stages a fork adds in cdk.json, next to dev and prod.
ADDED_STAGES = {
    "staging": {"extends": "prod", "provisioned_concurrency": 1, "pc_max": 2, "pc_business_hours_min": 0},
    "sandbox": {"extends": "dev", "memory_mb": 256},
}


def _synth_all(tmp_path_factory: pytest.TempPathFactory, **context: str) -> Synth:
    return synthesize(
        Path(tmp_path_factory.mktemp("fork")), stage="all", stages=ADDED_STAGES, power_tuning="true", **context
    )


@pytest.fixture(scope="module")
def fork(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return _synth_all(tmp_path_factory, project_name=FORK)


@pytest.fixture(scope="module")
def default_with_power_tuning(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return _synth_all(tmp_path_factory)


def test_fork_renames_every_stack(fork: Synth) -> None:
    assert sorted(fork.templates) == sorted(
        f"{FORK}-{stage}-{kind}"
        for stage in ("dev", "prod", *ADDED_STAGES)
        for kind in ("data", "service", "power-tuning")
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
    assert sorted(by_stage) == sorted(["dev", "prod", *ADDED_STAGES])
    for stage, names in by_stage.items():
        assert names, stage
        for other, other_names in by_stage.items():
            assert stage == other or not names & other_names, (stage, other)


def test_added_stages_take_their_parent_settings(default_with_power_tuning: Synth) -> None:
    function = default_with_power_tuning.only("staging", "service", "AWS::Lambda::Function")["Properties"]
    assert function["MemorySize"] == default_with_power_tuning.config("prod").memory_mb
    target = default_with_power_tuning.only("staging", "service", "AWS::ApplicationAutoScaling::ScalableTarget")
    assert (target["Properties"]["MinCapacity"], target["Properties"]["MaxCapacity"]) == (1, 2)
    sandbox = default_with_power_tuning.only("sandbox", "service", "AWS::Lambda::Function")["Properties"]
    assert sandbox["MemorySize"] == 256


def test_synth_needs_no_credentials(fork: Synth) -> None:
    # Account-agnostic: the account is resolved at deploy time, never looked up at synth.
    for template in fork.templates.values():
        assert "123456789012" not in str(template)
    assert not (fork.outdir / "cdk.context.json").exists()
