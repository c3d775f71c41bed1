"""Synthesizes the app once per test session, with cdk.json's context, exactly as `cdk synth` would.

Stacks are looked up by the names the app resolved (stacks/project.py), so the suite passes unchanged
in a fork that renames the project or adds stages in cdk.json (tests/fork runs it that way)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from stacks.naming import function_id, per_function_id
from stacks.project import Project, cdk_json_context
from stacks.service_stack import FUNCTIONS
from stacks.stage_config import BUILT_IN_STAGES, StageConfig

ROOT = Path(__file__).resolve().parents[2]
STAGES = BUILT_IN_STAGES  # synthesized once per session, snapshotted; a fork's added stages are its own
# Every API function of the service stack: the suite checks each, so it passes unchanged with a second one
# (docs/second-function.md; tests/docs runs those steps).
FUNCTION_NAMES = tuple(spec.name for spec in FUNCTIONS)


def shared_id(function: str, what: str) -> str:
    """The id of a function's resource inside a construct all functions share (``Deployment/DeploymentGroup``)."""
    return per_function_id(FUNCTION_NAMES, function, what)


def all_routes() -> set[str]:
    """Every route key the service's functions declare."""
    return {f"{method} {path}" for spec in FUNCTIONS for method, path in spec.routes}


def app_context(**extra: Any) -> dict[str, Any]:
    """cdk.json's context plus what the CLI adds (a bare `cdk.App()` would test a different template)."""
    cdk_json = json.loads((ROOT / "cdk.json").read_text())
    return {
        **cdk_json_context(ROOT),
        "aws:cdk:version-reporting": cdk_json.get("versionReporting", True),
        # The CLI records each resource's construct path (Metadata aws:cdk:path): reports and reviews name
        # resources by it (tests/infra/test_log_groups.py, tests/policy/test_policy_checks.py).
        "aws:cdk:enable-path-metadata": True,
        # Asset bundling (pip for the dependencies layer) is tested on its own in test_dependencies_layer.
        "aws:cdk:bundling-stacks": [],
        **extra,
    }


@dataclass(frozen=True)
class Synth:
    templates: dict[str, dict[str, Any]]  # stack name -> template
    outdir: Path
    project: Project  # what the app read from the context: names and every stage's settings
    background: dict[str, Any] = field(default_factory=dict, compare=False)  # checkers started on this synth

    def config(self, stage: str) -> StageConfig:
        return self.project.stage(stage)

    def template(self, stage: str, kind: str) -> dict[str, Any]:
        return self.templates[self.config(stage).stack_name(kind)]

    def resources(self, stage: str, kind: str, type_: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template(stage, kind)["Resources"].items() if v["Type"] == type_}

    def at(self, stage: str, kind: str, path: str) -> tuple[str, dict[str, Any]]:
        """The resource at construct path ``<stack>/<path>/Resource``: CDK's logical id for it is the path
        without separators plus an 8-digit hash (``Config/Bucket`` -> ``ConfigBucketF2111528``)."""
        pattern = re.compile(re.escape(path.replace("/", "")) + "[0-9A-F]{8}")
        found = [(k, v) for k, v in self.template(stage, kind)["Resources"].items() if pattern.fullmatch(k)]
        assert len(found) == 1, f"expected one resource at {path} in {stage}-{kind}, found {len(found)}"
        return found[0]

    def of_function(self, stage: str, function: str, type_: str) -> tuple[str, dict[str, Any]]:
        """The one resource of ``type_`` inside API function ``function``'s construct: (logical id, resource)."""
        prefix = f"{self.config(stage).stack_name('service')}/{function_id(function)}/"
        found = [
            (k, v)
            for k, v in self.resources(stage, "service", type_).items()
            if v["Metadata"]["aws:cdk:path"].startswith(prefix)
        ]
        assert len(found) == 1, f"expected one {type_} in {stage}'s {function} function, found {len(found)}"
        return found[0]

    def only(self, stage: str, kind: str, type_: str) -> dict[str, Any]:
        found = list(self.resources(stage, kind, type_).values())
        assert len(found) == 1, f"expected one {type_} in {stage}-{kind}, found {len(found)}"
        return found[0]


def shared_synth(tmp_path_factory: pytest.TempPathFactory, name: str, **context: Any) -> Synth:
    """``synthesize`` once per session: under pytest-xdist the first worker to ask writes the assembly into the
    session's shared temporary directory and the others read its templates (each worker would otherwise spend the
    same ~5 s of CPU on the same synth)."""
    from filelock import FileLock

    from stacks.project import read_project

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the workers' basetemps are siblings in the session's one
    outdir = root / f"shared-{name}"
    with FileLock(root / f"shared-{name}.lock"):
        if not (outdir / "manifest.json").is_file():
            return synthesize(outdir, **context)
    artifacts = json.loads((outdir / "manifest.json").read_text())["artifacts"]
    templates = {
        stack: json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
        for stack, artifact in artifacts.items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    return Synth(templates, outdir, read_project(app_context(**context)))


def synthesize(outdir: Path, **context: Any) -> Synth:
    from stacks.app_builder import build, new_app

    app = new_app(outdir=str(outdir), context=app_context(**context))
    project = build(app)
    assembly = app.synth()
    return Synth({s.stack_name: s.template for s in assembly.stacks}, outdir, project)


# dev with the settings the default stages don't use: SnapStart, an alarm e-mail, JWT authorization, CORS and
# orders that never expire.
VARIANT_SETTINGS = {
    "cold_start_strategy": "snapstart",
    "alarm_email": "ops@example.com",
    "api_authorization": "jwt",
    "jwt_issuer": "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_Example",
    "jwt_audience": ["orders-web"],
    "cors_allowed_origins": ["https://shop.example.com", "http://localhost:3000"],
    # "none", not null: CDK drops null values from context (cdk.json, -c) before the app reads them.
    "order_retention_days": "none",
}


# dev switched to Lambda Managed Instances: what the strategy needs (memory in whole vCPUs, the provider's three
# zones), everything else as dev has it; the route out is the default, VPC endpoints (tests/infra/test_lmi_network.py
# builds the other networks).
LMI_SETTINGS = {
    "cold_start_strategy": "managed-instances",
    "memory_mb": 2048,
    "lmi_availability_zones": ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"],
}


@pytest.fixture(scope="session")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    # Guard's rules run on the session's synth; this one checks what the settings change.
    return shared_synth(tmp_path_factory, "variant", stage="dev", stages={"dev": VARIANT_SETTINGS}, guard="false")
