"""cfn-lint over every synthesized template: no findings."""

from __future__ import annotations

import json

import pytest
from cfnlint.api import ManualArgs, lint

from tests.infra.conftest import STAGES, Synth

# W3005 (redundant DependsOn): CDK adds DependsOn that are also implied by Ref/GetAtt; harmless noise,
# https://github.com/aws/aws-cdk/issues/24578.
IGNORED_RULES = ["W3005"]


@pytest.mark.parametrize("kind", ["data", "service"])
@pytest.mark.parametrize("stage", STAGES)
def test_cfn_lint_has_no_findings(synth: Synth, stage: str, kind: str) -> None:
    template = synth.template(stage, kind)
    findings = lint(json.dumps(template), config=ManualArgs(regions=["ap-northeast-1"], ignore_checks=IGNORED_RULES))
    assert [str(f) for f in findings] == []


@pytest.mark.xdist_group("lmi")
def test_cfn_lint_has_no_findings_on_a_managed_instances_stage(lmi: Synth) -> None:
    # W3010 (hard-coded availability zones): the stage names the capacity provider's three zones on purpose; the
    # stacks are environment-agnostic, so CDK cannot look them up (stacks/managed_instances_rules.py).
    template = lmi.template("dev", "service")
    ignored = [*IGNORED_RULES, "W3010"]
    findings = lint(json.dumps(template), config=ManualArgs(regions=["ap-northeast-1"], ignore_checks=ignored))
    assert [str(f) for f in findings] == []
