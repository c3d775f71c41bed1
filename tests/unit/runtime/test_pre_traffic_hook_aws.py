"""The hook's AWS calls on real botocore clients (requests checked against each service's model, answered by Stubber):
invoking the version and reading its Duration, deleting the smoke data, reporting to CodeDeploy; and its plan, read
from the environment its construct sets."""

from __future__ import annotations

import base64
import io
import json
import re
from typing import Any

import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from pre_traffic_hook.lifecycle import FAILED, SUCCEEDED, delete_created, report_status
from pre_traffic_hook.plan import HookPlan
from pre_traffic_hook.smoke import Invocation
from pre_traffic_hook.version import report_duration_ms, version_invoker
from tests.unit.runtime.hook_support import DEPLOYMENT_ID, SMOKE_ID, VERSION_ARN, capture, hook_environment, lines
from tests.unit.runtime.orders_service import Ticks
from tests.unit.runtime.stubbed import offline_client, stubbed

EXECUTION_ID = "7d5e3f0a-0b1c-4d2e-8f3a-9b8c7d6e5f4a"  # hand-written, in the shape of CodeDeploy's hook execution ids
# Invoke's LogResult tails, as published: AWS's Lambda developer guide (awsdocs/aws-lambda-developer-guide @03f7fcb),
# doc_source/python-logging.md ("aws lambda invoke ... | base64 -d"), nodejs-logging.md (Init Duration, X-Ray line)
# and runtimes-custom.md (Init Duration first).
DOCS_PYTHON_INVOKE = (
    "END RequestId: 57f231fb-1730-4395-85cb-4f71bd2b87b8\n"
    "REPORT RequestId: 57f231fb-1730-4395-85cb-4f71bd2b87b8  Duration: 79.67 ms      Billed Duration: 80 ms"
    "         Memory Size: 128 MB     Max Memory Used: 73 MB\n"
)
DOCS_NODE_COLD = (
    "REPORT RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\tDuration: 128.83 ms\tBilled Duration: 200 ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 74 MB\tInit Duration: 166.62 ms\t"
    "XRAY TraceId: 1-5d9d007f-0a8c7fd02xmpl480aed55ef0\tSegmentId: 3d752xmpl1bbe37e\tSampled: true\n"
)
DOCS_CUSTOM_RUNTIME = (
    "REPORT RequestId: f8ac1208... Init Duration: 48.26 ms   Duration: 237.17 ms   Billed Duration: 300 ms"
    "   Memory Size: 128 MB   Max Memory Used: 26 MB\n"
)

# The JSON log format's tail (every managed-instances function logs so), as Lambda Power Tuning's tests publish it:
# alexcasalboni/aws-lambda-power-tuning test/unit/test-utils.js (4.4.0), jsonLog.
POWER_TUNING_JSON_LOG = (
    '{"timestamp":"2024-02-09T08:42:44.078Z","level":"INFO","requestId":"d661f7cf-9208-46b9-85b0-213b04a91065",'
    '"message":"Just some logs here =)"}\n'
    '{"time":"2024-02-09T08:42:44.078Z","type":"platform.start","record":{"requestId":'
    '"d661f7cf-9208-46b9-85b0-213b04a91065","version":"8"}}\n'
    '{"time":"2024-02-09T08:42:44.080Z","type":"platform.report","record":{"requestId":'
    '"d661f7cf-9208-46b9-85b0-213b04a91065","status":"success","metrics":{"durationMs":1.317,'
    '"billedDurationMs":2,"memorySizeMB":1024,"maxMemoryUsedMB":68,"initDurationMs": 10}}}'
)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# --- Lambda's Duration from the log tail -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tail", "duration"),
    [
        (DOCS_PYTHON_INVOKE, 79.67),
        (DOCS_NODE_COLD, 128.83),
        (DOCS_CUSTOM_RUNTIME, 237.17),
        (POWER_TUNING_JSON_LOG, 1.317),  # durationMs, not initDurationMs
    ],
)
def test_the_duration_is_read_from_the_report_line_init_excluded(tail: str, duration: float) -> None:
    assert report_duration_ms(_b64(tail)) == duration


@pytest.mark.parametrize(
    "log_result",
    [
        None,
        "",
        "not base64!",
        _b64("START RequestId: x Version: 7\nEND RequestId: x\n"),
        # The handler's own line that mentions the record type, and a report cut before its metrics.
        _b64('{"level": "INFO", "message": "type platform.report seen", "type": "app"}\n'),
        _b64('{"type":"platform.report","record":{"requestId":"x","status":"timeout"}}\n'),
        _b64('{"type":"platform.report","record":{"metrics":{"durationMs":'),
    ],
)
def test_no_report_line_no_duration(log_result: str | None) -> None:
    assert report_duration_ms(log_result) is None


def test_a_tail_cut_inside_a_character_still_yields_its_report() -> None:
    # The tail is the log's last 4 KB: its first bytes may be the end of a multi-byte character.
    tail = b"\xa9 ordered\n" + DOCS_PYTHON_INVOKE.encode()
    assert report_duration_ms(base64.b64encode(tail).decode()) == 79.67


# --- invoking the version ---------------------------------------------------------------------------------------

EVENT = {"version": "2.0", "routeKey": "POST /orders"}
INVOKE_PARAMS = {
    "FunctionName": VERSION_ARN,
    "InvocationType": "RequestResponse",
    "LogType": "Tail",
    "Payload": json.dumps(EVENT).encode(),
}


def _invoke_response(payload: Any, *, tail: str | None = None, function_error: str | None = None) -> dict[str, Any]:
    raw = json.dumps(payload).encode()
    response: dict[str, Any] = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(raw), len(raw))}
    if tail is not None:
        response["LogResult"] = _b64(tail)
    if function_error:
        response["FunctionError"] = function_error
    return response


def test_the_version_is_invoked_synchronously_by_its_arn_with_the_log_tail() -> None:
    client = offline_client("lambda")
    answer = {"statusCode": 201, "body": "{}"}
    with stubbed(client) as stub:
        stub.add_response("invoke", _invoke_response(answer, tail=DOCS_NODE_COLD), INVOKE_PARAMS)
        invocation = version_invoker(client, VERSION_ARN, clock=Ticks(1.0, 1.5))(EVENT)
    assert invocation == Invocation(answer, None, 128.83)  # Lambda's Duration, not the 500 ms the call took


def test_without_a_report_line_the_calls_wall_time_counts() -> None:
    client = offline_client("lambda")
    with stubbed(client) as stub:
        stub.add_response("invoke", _invoke_response({"statusCode": 200}), INVOKE_PARAMS)
        invocation = version_invoker(client, VERSION_ARN, clock=Ticks(1.0, 1.25))(EVENT)
    assert invocation.duration_ms == 250.0


def test_an_empty_payload_is_no_answer() -> None:
    client = offline_client("lambda")
    with stubbed(client) as stub:
        stub.add_response("invoke", {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(b""), 0)}, INVOKE_PARAMS)
        assert version_invoker(client, VERSION_ARN)(EVENT).payload is None


def test_a_function_error_is_passed_on_with_lambdas_error_object() -> None:
    client = offline_client("lambda")
    error = {"errorMessage": "Unable to import module 'orders.handler'", "errorType": "Runtime.ImportModuleError"}
    with stubbed(client) as stub:
        stub.add_response(
            "invoke", _invoke_response(error, tail=DOCS_PYTHON_INVOKE, function_error="Unhandled"), INVOKE_PARAMS
        )
        invocation = version_invoker(client, VERSION_ARN)(EVENT)
    assert (invocation.payload, invocation.function_error) == (error, "Unhandled")


def deny_invokes(stub: Stubber, times: int) -> None:
    """``times`` invokes refused, as while IAM propagates the hook's new grant to the version."""
    for _ in range(times):
        stub.add_client_error("invoke", service_error_code="AccessDeniedException", http_status_code=403)


def test_a_denied_invoke_is_retried_while_iam_propagates_the_new_grant() -> None:
    client = offline_client("lambda")
    slept: list[float] = []
    with stubbed(client) as stub:
        deny_invokes(stub, 2)
        stub.add_response("invoke", _invoke_response({"statusCode": 201}, tail=DOCS_PYTHON_INVOKE), INVOKE_PARAMS)
        invocation = version_invoker(client, VERSION_ARN, sleep=slept.append, access_denied_delays=(2.0, 4.0, 8.0))(
            EVENT
        )
    assert slept == [2.0, 4.0] and invocation.payload == {"statusCode": 201}


def test_a_denial_that_outlasts_the_retries_or_another_error_is_raised() -> None:
    client = offline_client("lambda")
    slept: list[float] = []
    with stubbed(client) as stub:
        deny_invokes(stub, 3)
        with pytest.raises(client.exceptions.ClientError, match="AccessDeniedException"):
            version_invoker(client, VERSION_ARN, sleep=slept.append, access_denied_delays=(1.0, 1.0))(EVENT)
        stub.add_client_error("invoke", service_error_code="ResourceNotFoundException", http_status_code=404)
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            version_invoker(client, VERSION_ARN, sleep=slept.append)(EVENT)
    assert slept == [1.0, 1.0]  # none for the error that is not a denial


# --- reporting to CodeDeploy ------------------------------------------------------------------------------------

REPORT = {"deploymentId": DEPLOYMENT_ID, "lifecycleEventHookExecutionId": EXECUTION_ID}


@pytest.mark.parametrize("status", [SUCCEEDED, FAILED])
def test_the_verdict_goes_to_this_deployments_hook_execution(status: str) -> None:
    client, (logger, stream) = offline_client("codedeploy"), capture("hook.report")
    with stubbed(client) as stub:
        stub.add_response(
            "put_lifecycle_event_hook_execution_status",
            {"lifecycleEventHookExecutionId": EXECUTION_ID},
            {**REPORT, "status": status},
        )
        report_status(client, DEPLOYMENT_ID, EXECUTION_ID, status, logger)
    [line] = lines(stream)
    assert (line["message"], line["status"], line["deployment_id"]) == ("reported to CodeDeploy", status, DEPLOYMENT_ID)


def test_a_hook_execution_codedeploy_already_closed_is_logged_not_raised() -> None:
    client, (logger, stream) = offline_client("codedeploy"), capture("hook.closed")
    with stubbed(client) as stub:
        stub.add_client_error(
            "put_lifecycle_event_hook_execution_status",
            service_error_code="LifecycleEventAlreadyCompletedException",
            http_status_code=400,
            expected_params={**REPORT, "status": FAILED},
        )
        report_status(client, DEPLOYMENT_ID, EXECUTION_ID, FAILED, logger)
        stub.add_client_error(
            "put_lifecycle_event_hook_execution_status", service_error_code="ThrottlingException", http_status_code=400
        )
        with pytest.raises(client.exceptions.ClientError, match="ThrottlingException"):
            report_status(client, DEPLOYMENT_ID, EXECUTION_ID, FAILED, logger)
    [line] = lines(stream)
    assert (line["level"], line["message"]) == ("WARNING", "CodeDeploy had already closed this hook execution")
    assert line["status"] == FAILED


# --- deleting the smoke data ------------------------------------------------------------------------------------

CREATED = ({"table": "orders-test", "key": "order_id", "value": "{smoke_id}"},)


def test_what_the_cases_created_is_deleted_by_its_key() -> None:
    client, (logger, stream) = offline_client("dynamodb"), capture("hook.delete")
    with stubbed(client) as stub:
        stub.add_response("delete_item", {}, {"TableName": "orders-test", "Key": {"order_id": {"S": SMOKE_ID}}})
        delete_created(client, CREATED, SMOKE_ID, logger)
    [line] = lines(stream)
    assert (line["message"], line["table"], line["key"]) == (
        "smoke data deleted",
        "orders-test",
        {"order_id": SMOKE_ID},
    )


def test_a_failed_delete_is_logged_and_the_next_item_still_deleted() -> None:
    client, (logger, stream) = offline_client("dynamodb"), capture("hook.delete-fails")
    second = {"table": "other-test", "key": "id", "value": "{smoke_id}-2"}
    with stubbed(client) as stub:
        stub.add_client_error("delete_item", service_error_code="AccessDeniedException", http_status_code=400)
        stub.add_response("delete_item", {}, {"TableName": "other-test", "Key": {"id": {"S": f"{SMOKE_ID}-2"}}})
        delete_created(client, (*CREATED, second), SMOKE_ID, logger)
    failed, deleted = lines(stream)
    assert (failed["level"], failed["message"]) == ("ERROR", "smoke data not deleted: it expires within a day")
    assert (failed["table"], failed["key"]) == ("orders-test", {"order_id": SMOKE_ID})
    assert failed["exception_type"] == "ClientError" and "AccessDeniedException" in failed["exception_message"]
    assert deleted["message"] == "smoke data deleted"


# --- the plan from the environment -----------------------------------------------------------------------------


def test_the_plan_is_what_the_construct_set() -> None:
    plan = HookPlan.from_env(hook_environment())
    assert (plan.version_arn, plan.budget_ms, plan.smoke_id(DEPLOYMENT_ID)) == (VERSION_ARN, 1000.0, SMOKE_ID)
    assert plan.created == ({"table": "orders-test", "key": "order_id", "value": "{smoke_id}"},)
    assert [case.route for case in plan.cases] == [
        "POST /orders",
        "GET /orders/{order_id}",
        "POST /orders",
        "POST /orders",
        "GET /orders/{order_id}",
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"TARGET_VERSION_ARN": " "},
            "environment variable TARGET_VERSION_ARN is missing: the hook's construct sets it",
        ),
        ({"SMOKE_ID_PREFIX": None}, "environment variable SMOKE_ID_PREFIX is missing: the hook's construct sets it"),
        ({"SMOKE_CASES": "[{"}, "environment variable SMOKE_CASES is not JSON: "),
        ({"SMOKE_CLEANUP": "{}"}, "environment variable SMOKE_CLEANUP must be a JSON list"),
        ({"LATENCY_BUDGET_MS": "fast"}, "could not convert string to float: 'fast'"),
    ],
)
def test_a_plan_that_cannot_be_read_names_the_variable(changes: dict[str, str | None], message: str) -> None:
    environment = {k: v for k, v in (hook_environment() | changes).items() if v is not None}
    with pytest.raises(ValueError, match=re.escape(message)):
        HookPlan.from_env(environment)
