"""cfn-guard (AWS's Control Tower rules, in synth) and checkov (on the session's templates) beside cdk-nag: every
finding is fixed or acknowledged in stacks/policy_acknowledgments.py, every acknowledgment there still matches
a finding, and a new finding fails synth. The counts are printed (`pytest tests/policy -s`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from stacks.app_builder import new_app
from stacks.guard import PLUGIN_NAME, add_guard_checks
from stacks.policy_acknowledgments import CHECKOV, FUNCTION, GUARD, HOOK, applicable, covers
from stacks.service_stack import FUNCTIONS
from tests.infra.conftest import Synth, app_context, shared_id
from tests.policy.conftest import CHECKOV as CHECKOV_BIN

KINDS = ("data", "service")


class Finding(NamedTuple):
    tool: str
    stage: str
    kind: str
    rule: str
    path: str  # construct path inside the stack


class Entry(NamedTuple):
    tool: str
    stage: str
    kind: str
    rule: str
    resource: str


def _stack(stack_name: str) -> tuple[str, str]:
    stage, kind = stack_name.rsplit("-", 2)[-2:]
    return stage, kind


def entries(synth: Synth, tool: str) -> list[Entry]:
    """Every acknowledgment (rule x resource) that applies to a stage of this session's synth; an API function's
    apply to each function of the service stack, under its construct id, a hook's to each function's hook."""
    found = []
    for stage in synth.project.selected:
        config = synth.config(stage)
        for kind in KINDS:
            found += [Entry(tool, stage, kind, rule, resource) for rule, resource, _ in applicable(config, kind, tool)]
        found += [
            Entry(tool, stage, "service", rule, f"{function.construct_id}/{resource}")
            for function in FUNCTIONS
            for rule, resource, _ in applicable(config, FUNCTION, tool)
        ]
        found += [
            Entry(tool, stage, "service", rule, f"Deployment/{shared_id(function.name, 'PreTrafficHook')}/{resource}")
            for function in FUNCTIONS
            for rule, resource, _ in applicable(config, HOOK, tool)
        ]
    return found


def unacknowledged(findings: Iterable[Finding], acknowledged: Iterable[Entry]) -> list[Finding]:
    acks = list(acknowledged)
    return [
        f
        for f in findings
        if not any((e.tool, e.stage, e.kind, e.rule) == f[:4] and covers(e.resource, f.path) for e in acks)
    ]


def unmatched(acknowledged: Iterable[Entry], findings: Iterable[Finding]) -> list[Entry]:
    found = list(findings)
    return [
        e
        for e in acknowledged
        if not any((e.tool, e.stage, e.kind, e.rule) == f[:4] and covers(e.resource, f.path) for f in found)
    ]


def guard_findings(synth: Synth) -> tuple[list[Finding], list[Any]]:
    """(acknowledged findings, unacknowledged violations) from the validation report of the session's synth."""
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    (plugin,) = [p for p in report["pluginReports"] if p["pluginName"] == PLUGIN_NAME]
    findings = []
    for violation in plugin["suppressedViolations"]:
        for construct in violation["violatingConstructs"]:
            stack_name, path = construct["constructPath"].split("/", 1)
            findings.append(Finding(GUARD, *_stack(stack_name), violation["ruleName"], path))
    return findings, plugin["violations"]


def checkov_findings(synth: Synth) -> list[Finding]:
    process = synth.background.get("checkov")
    assert process is not None, f"{CHECKOV_BIN} is missing: run `make setup`"
    assert process.wait(timeout=300) in (0, 1), "checkov failed to run"  # 1: it found something
    report = json.loads((synth.outdir / "checkov.json").read_text())
    assert report["summary"]["parsing_errors"] == 0 and report["summary"]["resource_count"] > 0
    findings = []
    for failed in report["results"]["failed_checks"]:
        stack_name = failed["file_path"].rsplit("/", 1)[-1].removesuffix(".template.json")
        logical_id = failed["resource"].split(".", 1)[1]
        metadata = synth.templates[stack_name]["Resources"][logical_id]["Metadata"]
        path = metadata["aws:cdk:path"].split("/", 1)[1]
        findings.append(Finding(CHECKOV, *_stack(stack_name), failed["check_id"], path))
    return findings


def _summary(tool: str, findings: list[Finding], acknowledged: list[Entry]) -> str:
    rules = sorted({f.rule for f in findings})
    return f"{tool}: {len(findings)} findings on resources, {len(rules)} rules, {len(acknowledged)} acknowledgments"


def test_guard_runs_in_synth_and_every_finding_is_acknowledged(synth: Synth) -> None:
    findings, violations = guard_findings(synth)
    assert violations == [], "synth would have failed: an unacknowledged Guard finding"
    acknowledged = entries(synth, GUARD)
    print("\n" + _summary(GUARD, findings, acknowledged))
    assert findings, "no Guard finding at all: is the plugin running?"
    assert unacknowledged(findings, acknowledged) == []
    assert unmatched(acknowledged, findings) == [], "acknowledgments that match no finding: remove them"


def test_checkov_findings_are_all_acknowledged(synth: Synth) -> None:
    findings = checkov_findings(synth)
    acknowledged = entries(synth, CHECKOV)
    print("\n" + _summary(CHECKOV, findings, acknowledged))
    assert findings, "checkov reported nothing: did it scan the templates?"
    assert unacknowledged(findings, acknowledged) == []
    assert unmatched(acknowledged, findings) == [], "acknowledgments that match no finding: remove them"


# --- the matching itself can fail (hand-written findings and acknowledgments) -----------------------------------------

ACK = Entry(CHECKOV, "dev", "service", "CKV_AWS_117", "Orders/Function")


@pytest.mark.parametrize(
    ("finding", "covered"),
    [
        (Finding(CHECKOV, "dev", "service", "CKV_AWS_117", "Orders/Function/Resource"), True),
        (Finding(CHECKOV, "dev", "service", "CKV_AWS_117", "Orders/FunctionTwo/Resource"), False),  # not below it
        (Finding(CHECKOV, "prod", "service", "CKV_AWS_117", "Orders/Function/Resource"), False),  # other stage
        (Finding(CHECKOV, "dev", "service", "CKV_AWS_116", "Orders/Function/Resource"), False),  # other rule
        (Finding(GUARD, "dev", "service", "CKV_AWS_117", "Orders/Function/Resource"), False),  # other tool
    ],
)
def test_a_new_finding_is_reported(finding: Finding, covered: bool) -> None:
    assert unacknowledged([finding], [ACK]) == ([] if covered else [finding])


def test_an_acknowledgment_that_matches_nothing_is_reported() -> None:
    stale = Entry(CHECKOV, "dev", "data", "CKV_AWS_18", "AccessLogs/Bucket")
    finding = Finding(CHECKOV, "dev", "service", "CKV_AWS_117", "Orders/Function/Resource")
    assert unmatched([ACK, stale], [finding]) == [stale]


def test_an_unacknowledged_guard_finding_fails_synth(tmp_path: Path) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_logs as logs

    app = new_app(outdir=str(tmp_path), context=app_context())
    add_guard_checks(app)
    logs.LogGroup(cdk.Stack(app, "probe"), "UnlistedLogGroup")  # nothing acknowledges Guard's log-group rules here
    with pytest.raises(RuntimeError, match=r"ValidationFailed") as failure:
        app.synth()
    assert f"{PLUGIN_NAME}::cloudwatch_log_group_encrypted_check" in str(failure.value)


def test_cloudformations_own_validation_fails_the_guard_synth_and_only_it(tmp_path: Path) -> None:
    """CDK's CloudFormation validation, left out of the faster synths (stacks/app_builder.py new_app), is back in the
    policy synth, where an error fails synth instead of printing a warning."""
    import aws_cdk as cdk

    def synth_bad_queue(outdir: Path, *, guard: bool) -> None:
        app = new_app(outdir=str(outdir), context=app_context())
        if guard:
            add_guard_checks(app)
        cdk.CfnResource(cdk.Stack(app, "probe"), "Queue", type="AWS::SQS::Queue", properties={"NotAProperty": 1})
        app.synth()

    synth_bad_queue(tmp_path / "fast", guard=False)  # nothing validates it: cfn-lint does, in the tests
    with pytest.raises(RuntimeError, match=r"ValidationFailed"):
        synth_bad_queue(tmp_path / "policy", guard=True)
    report = json.loads((tmp_path / "policy" / "validation-report.json").read_text())
    (plugin,) = [p for p in report["pluginReports"] if p["pluginName"] == "CloudFormation Validate"]
    assert [(v["ruleName"], v["severity"]) for v in plugin["violations"]] == [("F3002", "error")]
