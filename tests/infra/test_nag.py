"""cdk-nag over the whole app: it passes with only the reviewed acknowledgments, and a new finding fails synth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stacks.naming import ORDERS_FUNCTION
from stacks.service_stack import FUNCTIONS
from tests.infra.conftest import Synth

# Every acknowledged cdk-nag finding, by rule: a new acknowledgment must be added here on purpose.
EXPECTED_ACKNOWLEDGED = {
    "AwsSolutions-APIG4",  # dev only: api_authorization='none'
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    # prod's invoke policy for IAM-authorized callers: a route's path ends in its order id
    "AwsSolutions-IAM5[Resource::arn:aws:execute-api:ap-northeast-1:<AWS::AccountId>:<HttpApi9292168F>/*/GET/orders/*]",
    "AwsSolutions-IAM5[Resource::arn:aws:execute-api:ap-northeast-1:<AWS::AccountId>:<HttpApi9292168F>/*/POST/orders]",
    "AwsSolutions-IAM5[Action::s3:Abort*]",
    "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
    "AwsSolutions-IAM5[Action::s3:GetBucket*]",
    "AwsSolutions-IAM5[Action::s3:GetObject*]",
    "AwsSolutions-IAM5[Action::s3:List*]",
    "AwsSolutions-IAM5[Resource::*]",
    "AwsSolutions-IAM5[Resource::<ConfigBucketF2111528.Arn>/*]",
    "AwsSolutions-IAM5[Resource::arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-ap-northeast-1/*]",
    "AwsSolutions-L1",
    "AwsSolutions-SMG4",
    "Serverless-LambdaAsyncFailureDestination",  # the pre-traffic hooks: CodeDeploy invokes them asynchronously
    "Serverless-LambdaDLQ",
    "Serverless-LambdaLatestVersion",
    "Serverless-LambdaTracing",
}


def _route_findings() -> set[str]:
    """prod's invoke policy names every route: the same acknowledgment for any other function's routes (a path
    parameter is '*' in an execute-api ARN, like the stage)."""
    return {
        "AwsSolutions-IAM5[Resource::arn:aws:execute-api:ap-northeast-1:<AWS::AccountId>:<HttpApi9292168F>/*/"
        + method
        + "/".join("*" if part.startswith("{") else part for part in path.split("/"))
        + "]"
        for spec in FUNCTIONS
        if spec.name != ORDERS_FUNCTION
        for method, path in spec.routes
    }


def _report(outdir: Path) -> dict[str, Any]:
    return json.loads((outdir / "validation-report.json").read_text())


def _nag_plugins(synth: Synth) -> list[dict[str, Any]]:
    # cdk-nag's packs (Guard's report is checked by tests/policy, on a synth that runs it).
    plugins = {p["pluginName"]: p for p in _report(synth.outdir)["pluginReports"]}
    assert set(plugins) == {"AwsSolutions", "Serverless"}
    return [plugins["AwsSolutions"], plugins["Serverless"]]


def test_cdk_nag_passes_with_only_the_reviewed_acknowledgments(synth: Synth) -> None:
    plugins = {p["pluginName"]: p for p in _nag_plugins(synth)}
    for plugin in plugins.values():
        assert plugin["conclusion"] == "success"
        assert plugin["violations"] == []
    acknowledged = {s["ruleName"] for p in plugins.values() for s in p["suppressedViolations"]}
    assert acknowledged == EXPECTED_ACKNOWLEDGED | _route_findings()
    assert all(len(s["reason"]) > 40 for p in plugins.values() for s in p["suppressedViolations"])


def test_orders_function_acknowledgments_are_narrow(synth: Synth) -> None:
    # The function's own role carries only X-Ray's Resource '*': every other grant is resource-scoped.
    for plugin in _nag_plugins(synth):
        for finding in plugin["suppressedViolations"]:
            for construct in finding["violatingConstructs"]:
                if "/Orders/" in construct["constructPath"]:
                    assert finding["ruleName"] in {"AwsSolutions-IAM5[Resource::*]", "Serverless-LambdaDLQ"}


def test_pre_traffic_hook_acknowledgments_are_narrow(synth: Synth) -> None:
    # A hook has no X-Ray and no Resource '*': what cdk-nag finds on it is its missing tracer and failure destination.
    found = {
        finding["ruleName"]
        for plugin in _nag_plugins(synth)
        for finding in plugin["suppressedViolations"]
        for construct in finding["violatingConstructs"]
        if "PreTrafficHook/" in construct["constructPath"]
    }
    assert found == {
        "Serverless-LambdaTracing",
        "Serverless-LambdaDLQ",
        "Serverless-LambdaAsyncFailureDestination",
    }


def test_unacknowledged_finding_fails_synth(tmp_path: Path) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3

    from stacks.app_builder import build, new_app
    from tests.infra.conftest import app_context

    app = new_app(outdir=str(tmp_path), context=app_context(stage="dev", guard="false"))
    build(app)
    stack = cdk.Stack(app, "probe")
    s3.Bucket(stack, "UnloggedBucket")  # no access logs, no TLS-only policy
    with pytest.raises(RuntimeError, match=r"ValidationFailed[\s\S]*AwsSolutions-S1"):
        app.synth()
