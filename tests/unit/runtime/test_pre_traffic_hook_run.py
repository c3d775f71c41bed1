"""A whole run of the hook in-process: the orders cases sent to the orders app (as it is, and broken), the smoke order
deleted, the verdict reported to CodeDeploy whatever happened before it; and the handler's wiring (clients that honour
AWS_ENDPOINT_URL_<SERVICE>, the runtime's context). CodeDeploy's and DynamoDB's side are real botocore clients that
Stubber answers; the end-to-end run through the local runtime and a local Invoke API is the lead's (issue 23, part 3).
"""

from __future__ import annotations

import importlib
import io
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from awslambdaric.lambda_context import LambdaContext
from botocore.response import StreamingBody
from botocore.stub import Stubber

from pre_traffic_hook.hook import CASE_ALLOWANCE_MS, Clients, run_hook
from pre_traffic_hook.lifecycle import FAILED, SUCCEEDED
from pre_traffic_hook.smoke import Invocation, Invoke
from tests.unit.runtime.hook_support import (
    DEPLOYMENT_ID,
    HOOK_SETTINGS,
    SMOKE_ID,
    VERSION_ARN,
    capture,
    hook_environment,
    in_process,
    lines,
    queue_orders_answers,
)
from tests.unit.runtime.orders_service import NOW, service
from tests.unit.runtime.stubbed import offline_client, stubbed

# CodeDeploy's BeforeAllowTraffic invocation event (its documented shape: the two ids the hook reports with).
EVENT = {"DeploymentId": DEPLOYMENT_ID, "LifecycleEventHookExecutionId": "7d5e3f0a-0b1c-4d2e-8f3a-9b8c7d6e5f4a"}


class AwsSide:
    """CodeDeploy's and DynamoDB's clients as the hook holds them, with their Stubbers."""

    def __init__(self, codedeploy: Stubber, dynamodb: Stubber, clients: Clients) -> None:
        self.codedeploy, self.dynamodb, self.clients = codedeploy, dynamodb, clients

    def expect_cleanup(self) -> None:
        self.dynamodb.add_response(
            "delete_item", {}, {"TableName": HOOK_SETTINGS.table_name, "Key": {"order_id": {"S": SMOKE_ID}}}
        )

    def expect_verdict(self, status: str) -> None:
        self.codedeploy.add_response(
            "put_lifecycle_event_hook_execution_status",
            {"lifecycleEventHookExecutionId": EVENT["LifecycleEventHookExecutionId"]},
            {
                "deploymentId": DEPLOYMENT_ID,
                "lifecycleEventHookExecutionId": EVENT["LifecycleEventHookExecutionId"],
                "status": status,
            },
        )


@contextmanager
def aws_side() -> Iterator[AwsSide]:
    codedeploy, dynamodb = offline_client("codedeploy"), offline_client("dynamodb")
    with stubbed(codedeploy) as codedeploy_stub, stubbed(dynamodb) as dynamodb_stub:
        yield AwsSide(codedeploy_stub, dynamodb_stub, Clients(offline_client("lambda"), codedeploy, dynamodb))


def _run(aws: AwsSide, invoke: Invoke, **changes: Any) -> tuple[str, list[dict[str, Any]]]:
    logger, stream = capture(f"hook.run.{len(changes)}.{id(invoke)}")
    arns: list[str] = []

    def invoker(client: Any, arn: str) -> Invoke:
        assert client is aws.clients.lambda_
        arns.append(arn)
        return invoke

    options: dict[str, Any] = {"now": lambda: NOW, "time_left_ms": lambda: 300_000.0, "invoker": invoker}
    environment = hook_environment(**changes.pop("environment", {}))
    status = run_hook(EVENT, environment, aws.clients, logger, **(options | changes))
    assert arns in ([], [VERSION_ARN])  # the version of the environment, nothing else
    return status, lines(stream)


def test_a_good_version_succeeds_and_its_order_is_deleted() -> None:
    with service(HOOK_SETTINGS) as app, aws_side() as aws:
        queue_orders_answers(app)
        aws.expect_cleanup()
        aws.expect_verdict(SUCCEEDED)
        status, log = _run(aws, in_process(app))
    assert status == SUCCEEDED
    assert [(line["message"], line.get("case")) for line in log] == [
        ("smoke case passed", "create"),
        ("smoke case passed", "read back"),
        ("smoke case passed", "replay the create"),
        ("smoke case passed", "bad body"),
        ("smoke case passed", "unknown id"),
        ("smoke cases: Succeeded", None),
        ("smoke data deleted", None),
        ("reported to CodeDeploy", None),
    ]
    assert log[0]["version"] == VERSION_ARN and log[0]["expected"] == 201 and log[0]["status"] == 201
    summary = log[5]
    assert (summary["level"], summary["cases"], summary["failed"], summary["version"]) == ("INFO", 5, [], VERSION_ARN)


def test_a_broken_version_fails_naming_the_failing_cases() -> None:
    with service(HOOK_SETTINGS) as app, aws_side() as aws:
        queue_orders_answers(app, broken=True)
        aws.expect_cleanup()
        aws.expect_verdict(FAILED)
        status, log = _run(aws, in_process(app))
    assert status == FAILED
    failed = [line for line in log if line["message"] == "smoke case failed"]
    assert [(line["level"], line["case"], line["status"]) for line in failed] == [
        ("ERROR", "create", 500),
        ("ERROR", "read back", 404),
        ("ERROR", "replay the create", 500),
    ]
    assert failed[0]["problem"] == 'answered 500, expected 201: {"error":"internal error"}'
    [summary] = [line for line in log if line["message"] == "smoke cases: Failed"]
    assert summary["failed"] == ["create", "read back", "replay the create"] and summary["cases"] == 5
    assert summary["level"] == "ERROR"


def test_a_slow_version_fails_on_the_budget() -> None:
    with aws_side() as aws:
        aws.expect_cleanup()
        aws.expect_verdict(FAILED)
        answers = iter([201, 200, 200, 400, 404])
        status, log = _run(aws, lambda event: Invocation({"statusCode": next(answers)}, None, 1000.5))
    assert status == FAILED
    problems = {line["problem"] for line in log if line["message"] == "smoke case failed"}
    assert problems == {"took 1000.5 ms, over the latency budget of 1000 ms"}


@pytest.mark.parametrize(
    ("environment", "error"),
    [({"SMOKE_CASES": "not json"}, "ValueError"), ({"LATENCY_BUDGET_MS": ""}, "ValueError")],
)
def test_a_plan_that_cannot_be_read_still_reports_failed(environment: dict[str, str], error: str) -> None:
    with aws_side() as aws:
        aws.expect_verdict(FAILED)  # no cleanup: without a plan nothing was created
        status, log = _run(aws, lambda event: pytest.fail("no case may run"), environment=environment)
    assert status == FAILED
    assert (log[0]["message"], log[0]["exception_type"]) == ("the smoke cases could not run", error)
    assert log[-1]["message"] == "reported to CodeDeploy"


def test_the_verdict_is_reported_when_the_cleanup_fails_and_when_time_runs_out() -> None:
    with aws_side() as aws:
        aws.dynamodb.add_client_error("delete_item", service_error_code="AccessDeniedException", http_status_code=400)
        aws.expect_verdict(FAILED)
        status, log = _run(
            aws,
            lambda event: pytest.fail("no case may start"),
            time_left_ms=lambda: float(CASE_ALLOWANCE_MS),
        )
    assert status == FAILED
    assert {line["problem"] for line in log if line["message"] == "smoke case failed"} == {
        "not run: the hook's own time is running out"
    }
    assert [line["message"] for line in log[-2:]] == [
        "smoke data not deleted: it expires within a day",
        "reported to CodeDeploy",
    ]


def test_an_event_without_codedeploys_ids_is_refused_before_anything_runs() -> None:
    with aws_side() as aws, pytest.raises(KeyError, match="LifecycleEventHookExecutionId"):
        run_hook(
            {"DeploymentId": DEPLOYMENT_ID},
            hook_environment(),
            aws.clients,
            capture("hook.no-ids")[0],
            now=lambda: NOW,
            time_left_ms=lambda: 1.0,
        )


# --- the handler ------------------------------------------------------------------------------------------------


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Any:
    """pre_traffic_hook.handler imported as Lambda's init would, in a region, with local endpoints for the services."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:9001")
    monkeypatch.setenv("AWS_ENDPOINT_URL_CODEDEPLOY", "http://127.0.0.1:9002")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9003")
    import pre_traffic_hook.handler as module

    return importlib.reload(module)


def test_the_handlers_clients_honour_the_service_endpoints(handler: Any) -> None:
    # What the end-to-end run relies on: a local Invoke API and a local CodeDeploy endpoint, no code change.
    assert handler.clients.lambda_.meta.endpoint_url == "http://127.0.0.1:9001"
    assert handler.clients.codedeploy.meta.endpoint_url == "http://127.0.0.1:9002"
    assert handler.clients.dynamodb.meta.endpoint_url == "http://127.0.0.1:9003"
    assert handler.clients.lambda_.meta.config.read_timeout == 35 > 29  # longer than any API function runs


def test_the_handler_runs_the_hook_with_the_environment_and_the_runtimes_context(
    handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = {"name": "unknown id", "route": "GET /orders/{order_id}", "expect": 404, "path": {"order_id": "{smoke_id}"}}
    for name, value in hook_environment(SMOKE_CASES=json.dumps([case]), SMOKE_CLEANUP="[]").items():
        monkeypatch.setenv(name, value)
    answer = json.dumps({"statusCode": 404, "body": "{}"}).encode()
    clients = handler.clients
    _, stream = capture("pre_traffic_hook")  # the handler's own logger, now writing where the test reads
    with Stubber(clients.lambda_) as lambda_, Stubber(clients.codedeploy) as codedeploy:
        lambda_.add_response("invoke", {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(answer), len(answer))})
        codedeploy.add_response(
            "put_lifecycle_event_hook_execution_status",
            {},
            {
                "deploymentId": DEPLOYMENT_ID,
                "lifecycleEventHookExecutionId": EVENT["LifecycleEventHookExecutionId"],
                "status": SUCCEEDED,
            },
        )
        deadline_ms = int(time.time() * 1000) + 300_000  # Lambda's deadline for this invocation: the hook's timeout
        context = LambdaContext("hook-request", None, None, deadline_ms)
        assert handler.lambda_handler(EVENT, context) == {"status": SUCCEEDED}
        lambda_.assert_no_pending_responses()
        codedeploy.assert_no_pending_responses()
    logged = lines(stream)
    assert {line["request_id"] for line in logged} == {"hook-request"}  # the invocation's, on every line
