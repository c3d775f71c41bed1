"""Builds every selected stage's stacks into an app. Shared by app.py and the infra tests, so the tests
check exactly what `cdk synth` produces."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk

from stacks.data_stack import DataStack
from stacks.guard import acknowledge_guard_findings, add_guard_checks
from stacks.nag import add_nag_checks
from stacks.power_tuning_stack import PowerTuningStack
from stacks.project import Project, read_project
from stacks.service_stack import ServiceStack
from stacks.stage_config import StageConfig


def add_stage(app: cdk.App, config: StageConfig, *, power_tuning: bool = False) -> tuple[DataStack, ServiceStack]:
    env = cdk.Environment(account=config.account, region=config.region)
    tags = {"project": config.project_name, "stage": config.stage}
    data = DataStack(
        app,
        config.stack_name("data"),
        config=config,
        env=env,
        description=f"{config.project_name} {config.stage}: orders table and config bucket (stateful)",
        termination_protection=config.is_retained,
    )
    service = ServiceStack(
        app,
        config.stack_name("service"),
        config=config,
        data=data.resources,
        env=env,
        description=f"{config.project_name} {config.stage}: layers, orders function, alias, HTTP API",
    )
    stacks: list[cdk.Stack] = [data, service]
    if power_tuning:  # opt-in: `-c power_tuning=true`
        stacks.append(PowerTuningStack(app, config.stack_name("power-tuning"), config=config, env=env))
    for stack in stacks:
        for key, value in tags.items():
            cdk.Tags.of(stack).add(key, value)
    acknowledge_guard_findings(data, config, "data")
    acknowledge_guard_findings(service, config, "service")
    return data, service


def new_app(**props: Any) -> cdk.App:
    """The app as app.py and the tests make it. CDK's built-in CloudFormation validation is off here: it loads a WASM
    engine in every synth (about 1.5 s of this app's 7, `make bench-synth`) to report warnings only, while cfn-lint
    fails the tests on the same schemas (tests/infra/test_cfn_lint.py). `-c guard=true` turns it back on, failing on
    its errors (``build``)."""
    return cdk.App(builtin_cloud_formation_validation=False, **props)


def build(app: cdk.App) -> Project:
    """Every selected stage's stacks, checked by cdk-nag and AWS's Guard rules at synth."""
    project = read_project(app.node.get_all_context())
    # `-c guard=true` adds the Guard rules (~10 s per synth of both stages) and CDK's CloudFormation validation, whose
    # errors then fail synth: `make synth`, `make diff`/`deploy` and `make policy-checks` (tests/policy) pass it; other
    # synths (the tests', `make serve`'s) skip them. cdk-nag always runs.
    if project.guard:
        add_guard_checks(app)
    for config in project.selected_configs:
        add_stage(app, config, power_tuning=project.power_tuning)
    add_nag_checks(app)
    return project
