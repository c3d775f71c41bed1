"""The real handler module in fresh Lambda-like processes running AWS's runtime interface client
(``local.lambda_process``): init and init errors, cold starts, the log stream's platform lines, the X-Ray
documents the SDK sends over UDP in Lambda mode, what the runtime does with what the handler returns."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lambda_kit.local.lambda_process import InitError, LambdaProcess
from lambda_kit.local.sandbox import FunctionConfig
from lambda_kit.local.xray_listener import XRayListener, flatten
from lambda_kit.tools.report_parser import parse_report

from tests.integration.events import body_of, get, order, post
from tests.orders_local import OTHER_SOURCES, SOURCE_EVENTS, orders_function

PLATFORM_LINES = ("INIT_START ", "START ", "END ", "REPORT ", "XRAY ")


@pytest.fixture
def xray():
    with XRayListener() as listener:
        yield listener


def function(stack, xray=None, config: FunctionConfig | None = None, **extra) -> LambdaProcess:
    """An environment of the orders function (or of ``config``) on the test's table and bucket."""
    config = config or orders_function(TABLE_NAME=stack.table, CONFIG_BUCKET=stack.bucket, **extra)
    return LambdaProcess(config, stack.endpoint, xray.address if xray else None)


@pytest.fixture(scope="module")
def module_xray():
    with XRayListener() as listener:
        yield listener


@pytest.fixture(scope="module")
def traced_function(module_stack, module_xray):
    """One warm environment in Lambda mode with tracing on, segments captured by ``module_xray``; the config
    is read on every request (TTL 0), so each valid request's trace shows the S3 call."""
    with function(module_stack, module_xray, CONFIG_TTL_SECONDS="0") as process:
        yield process


@pytest.fixture(scope="module")
def warm_function(module_stack, module_xray):
    """One warm environment for the tests that only send requests: Lambda mode, a daemon address, and the
    X-Ray SDK disabled (``AWS_XRAY_SDK_ENABLED=false``)."""
    with function(module_stack, module_xray, AWS_XRAY_SDK_ENABLED="false") as process:
        yield process


def handler_module(tmp_path: Path, source: str) -> Path:
    """A task root holding ``fn.py``: for checking what the local runtime hands a handler."""
    (tmp_path / "fn.py").write_text(textwrap.dedent(source))
    return tmp_path


def test_init_fails_naming_the_missing_variable(stack):
    missing = "TABLE_NAME"  # each required variable by name: tests/unit/runtime/test_pieces.py
    process = LambdaProcess(orders_function(CONFIG_BUCKET=stack.bucket), stack.endpoint)
    with pytest.raises(InitError) as info:
        process.start()
    # Reported by awslambdaric on /init/error, as Lambda's runtime does; the process then exits.
    assert info.value.error_type == "MissingEnvironmentVariable"
    assert missing in info.value.error_message
    init_report = next(line for line in process.output() if line.startswith("INIT_REPORT "))
    assert info.value.logs == process.output()  # what Lambda logged comes with the error
    assert "Status: error\tError Type: MissingEnvironmentVariable" in init_report


def test_xray_documents_show_the_three_steps_and_the_aws_calls(traced_function, module_stack, module_xray):
    stack, xray = module_stack, module_xray
    invocation = traced_function.invoke(post(order("xr-1", 4)))
    warm = traced_function.invoke(post(order("xr-1b", 1)))
    assert invocation.result["statusCode"] == 201
    # Each invocation's segments carry its own trace (the tracing facade caches the parsed header per trace).
    warm_steps = {n["name"] for n in flatten(xray.documents(warm.trace_id))}
    assert {"validate_input", "process_order", "save_to_dynamodb", "dynamodb"} <= warm_steps
    documents = xray.documents(invocation.trace_id)
    assert documents and not xray.bad_datagrams
    nodes = {n["name"]: n for n in flatten(documents)}
    assert {"validate_input", "process_order", "save_to_dynamodb", "s3", "dynamodb"} <= set(nodes)
    assert nodes["validate_input"]["annotations"] == {"order_id": "xr-1"}
    result = nodes["process_order"]["metadata"]["default"]["result"]
    assert result == body_of(invocation.result)
    # The AWS calls are botocore subsegments nested in the step that made them.
    assert nodes["dynamodb"]["parent_id"] == nodes["save_to_dynamodb"]["id"]
    assert nodes["dynamodb"]["aws"]["operation"] == "PutItem"
    assert nodes["dynamodb"]["aws"]["table_name"] == stack.table
    assert nodes["s3"]["parent_id"] == nodes["validate_input"]["id"]
    assert nodes["s3"]["aws"]["operation"] == "GetObject"
    steps = [nodes[n] for n in ("validate_input", "process_order", "save_to_dynamodb")]
    assert len({s["parent_id"] for s in steps}) == 1  # all children of Lambda's function segment
    assert all(d["trace_id"] == invocation.trace_id for d in documents)
    assert not any(n.get("fault") or n.get("error") for n in nodes.values())


def test_sdk_disabled_sends_nothing_and_still_serves(warm_function, module_xray):
    invocation = warm_function.invoke(post(order("xr-2")))
    assert invocation.result["statusCode"] == 201
    assert module_xray.documents(invocation.trace_id) == []


def log_entries(invocation):
    return [json.loads(line) for line in invocation.logs]


def test_cold_start_flag_and_the_log_stream(stack, xray):
    with function(stack, xray) as process:
        assert process.init_ms and process.init_cpu_ms and process.init_ms > 0
        first = process.invoke(post(order("cs-1")))
        second = process.invoke(get("cs-1"))
        output = process.output()
    # Every line the function printed is one JSON object; the others are Lambda's platform lines.
    function_lines = [line for line in output if not line.startswith(PLATFORM_LINES)]
    assert function_lines and all(json.loads(line) for line in function_lines)
    assert output[0].startswith("INIT_START Runtime Version: python:3.14")
    [a], [b] = log_entries(first), log_entries(second)
    assert (a["cold_start"], b["cold_start"]) == (True, False)
    assert a["request_id"] == first.request_id and b["request_id"] == second.request_id
    assert a["xray_trace_id"] == first.trace_id
    assert datetime.fromisoformat(a["timestamp"]).utcoffset() == timedelta(0)
    assert a["status_code"] == 201 and b["status_code"] == 200
    # The REPORT lines parse with the operations tools' parser, as CloudWatch's would.
    cold, warm = (
        parse_report("\n".join(output[: output.index(f"END RequestId: {i.request_id}") + 2])) for i in (first, second)
    )
    assert cold.request_id == first.request_id and cold.cold and warm.request_id == second.request_id and not warm.cold
    assert cold.init_duration_ms is not None and cold.init_duration_ms == pytest.approx(process.init_ms, abs=0.01)
    assert cold.billed_duration_ms is not None and cold.max_memory_used_mb is not None
    assert cold.billed_duration_ms >= cold.init_duration_ms + cold.duration_ms  # INIT is billed since 2025-08
    assert cold.memory_size_mb == 512 and 0 < cold.max_memory_used_mb < 512
    assert f"XRAY TraceId: {first.trace_id}\t" in output[output.index(f"END RequestId: {first.request_id}") + 2]


def test_no_cold_start_under_provisioned_concurrency(stack):
    config = orders_function(TABLE_NAME=stack.table, CONFIG_BUCKET=stack.bucket)
    with function(stack, config=config.but(initialization_type="provisioned-concurrency")) as process:
        invocation = process.invoke(post(order("pc-1")))
    [entry] = log_entries(invocation)
    assert entry["cold_start"] is False
    assert invocation.report and invocation.report.init_duration_ms is None  # init was off the request path


def test_outside_lambda_mode_runs_untraced_without_noise(stack, xray):
    config = orders_function(TABLE_NAME=stack.table, CONFIG_BUCKET=stack.bucket)
    with LambdaProcess(config, stack.endpoint, xray.address, unset=("LAMBDA_TASK_ROOT",)) as process:
        invocation = process.invoke(post(order("nl-1")))
        output = process.output()
    assert invocation.result["statusCode"] == 201
    assert xray.documents() == []
    assert all(line.startswith((*PLATFORM_LINES, "{")) for line in output), output


def test_a_bad_request_is_an_error_not_a_fault_in_the_trace(traced_function, module_xray):
    invocation = traced_function.invoke(post({"order_id": "bad", "items": [{"sku": "a", "quantity": 0}]}))
    assert invocation.result["statusCode"] == 400
    [validate] = [n for n in flatten(module_xray.documents(invocation.trace_id)) if n["name"] == "validate_input"]
    assert validate.get("error") is True and not validate.get("fault")
    assert "annotations" not in validate  # only valid ids are indexed


# The JavaScript JSON.stringify of a cut-off emoji: 14 plain-ASCII bytes with a lone high surrogate escape.
LONE_SURROGATE_BODY = '{"\\ud83d":1}'


@pytest.mark.parametrize(
    "event",
    [
        post(LONE_SURROGATE_BODY, raw=True),  # the escape inside the body text
        post('{"order_id": "\ud83d", "items": []}', raw=True),  # decoded into the event's body string
        post({"order_id": "sur-1", "items": [{"sku": "A\udfff", "quantity": 1}]}),
    ],
    ids=["escaped-in-body", "raw-in-event", "low-surrogate-in-value"],
)
def test_a_lone_surrogate_is_a_400_and_the_environment_survives(warm_function, module_stack, event):
    """Once a 14-byte request made the runtime fail to encode the response and exit (a 502, a cold start)."""
    invocation = warm_function.invoke(event)
    assert invocation.error is None, invocation.error
    assert invocation.result["statusCode"] == 400
    message = body_of(invocation.result)["error"]
    assert "surrogate" in message and message.isascii()  # names the problem, never echoes the character
    assert warm_function.alive  # the same environment answers the next request
    assert warm_function.invoke(get("sur-1")).result["statusCode"] == 404  # and nothing was written
    [entry] = log_entries(invocation)
    assert entry["status_code"] == 400


@pytest.mark.parametrize("fixture, source", OTHER_SOURCES)
def test_an_event_from_another_source_fails_the_invocation_naming_the_source(warm_function, fixture, source):
    """Lambda counts a returned 404 as success (an SQS trigger would delete its messages): raise instead."""
    invocation = warm_function.invoke((SOURCE_EVENTS / fixture).read_bytes())
    assert invocation.error is not None and invocation.error["errorType"] == "UnsupportedEvent"
    assert f"got an event from {source}" in invocation.error["errorMessage"]
    assert invocation.error["stackTrace"]  # the runtime's report, as CloudWatch and the caller see it
    # Logged once, by the runtime (Lambda's "[ERROR]" line with the traceback), and nothing else.
    assert [line.split("\r")[0] for line in invocation.logs] == [
        f"[ERROR] UnsupportedEvent: {invocation.error['errorMessage']}"
    ]
    assert warm_function.alive


def test_every_aws_call_is_recorded_with_the_resource_it_names(warm_function, module_stack, aws_calls):
    mark = aws_calls.mark()
    assert warm_function.invoke(post(order("rec-1"))).result["statusCode"] == 201
    assert warm_function.invoke(get("rec-1")).result["statusCode"] == 200
    calls = aws_calls.since(mark)
    named = [{k: c[k] for k in ("service", "operation", "params")} for c in calls]
    assert {"service": "dynamodb", "operation": "PutItem", "params": {"TableName": module_stack.table}} in named
    get_item = {"TableName": module_stack.table, "Key": {"order_id": {"S": "rec-1"}}}
    assert named[-1] == {"service": "dynamodb", "operation": "GetItem", "params": get_item}
    assert all(set(c["params"]) <= {"TableName", "Bucket", "Key", "SecretId"} for c in calls)
    # Each answered, made by the environment's one process, inside an invocation (its trace), none refused.
    assert {c["pid"] for c in calls} == set(warm_function.worker_pids()) and all(c["trace_id"] for c in calls)
    assert not [c for c in calls if "error" in c]


def test_the_handler_gets_the_invocation_context_from_the_runtime_api(stack, tmp_path):
    task_root = handler_module(
        tmp_path,
        """
        import os, sys

        def handler(event, context):
            return {
                "request_id": context.aws_request_id,
                "arn": context.invoked_function_arn,
                "remaining_ms": context.get_remaining_time_in_millis(),
                "client": context.client_context.custom if context.client_context else None,
                "trace": os.environ.get("_X_AMZN_TRACE_ID"),
                "path": sys.path,
                "event": event,
            }
        """,
    )
    config = orders_function().but(handler="fn.handler", task_root=task_root, timeout_seconds=3)
    with function(stack, config=config) as fn:
        invocation = fn.invoke({"hello": "世界"}, client_context={"custom": {"tenant": "t-1"}})
    result = invocation.result
    assert result["request_id"] == invocation.request_id and result["arn"] == config.arn
    assert 0 < result["remaining_ms"] <= 3000
    assert result["client"] == {"tenant": "t-1"} and result["event"] == {"hello": "世界"}
    assert result["trace"].startswith(f"Root={invocation.trace_id};")
    # sys.path as Lambda builds it: the task root (working directory), the layers, the runtime, stdlib.
    path = result["path"]
    assert path[0] == str(task_root) and path[1].endswith("layers/common/python")
    assert not any("site-packages" in p for p in path), path  # nothing else from this machine's venv


def test_a_timeout_ends_the_environment_as_lambda_does(stack, tmp_path):
    task_root = handler_module(tmp_path, "import time\n\ndef handler(event, context):\n    time.sleep(5)\n")
    config = orders_function().but(handler="fn.handler", task_root=task_root, timeout_seconds=1)
    with function(stack, config=config) as fn:
        invocation = fn.invoke({})
        assert not fn.alive
    assert invocation.error == {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 1.00 seconds"}
    assert invocation.report and invocation.report.status == "timeout"


def newer_python():
    """The newest CPython >= 3.13 on this machine (Lambda runs 3.14), or None."""
    import glob
    import shutil
    import subprocess

    candidates = [shutil.which("python3.14"), shutil.which("python3.13")]
    candidates += sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.1[3-9]*/bin/python3.1[3-9]")), reverse=True)
    for candidate in filter(None, candidates):
        try:
            probe = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info >= (3, 13))"],
                capture_output=True,
                text=True,
                timeout=20,
            )
        except OSError:
            continue
        if probe.stdout.strip() == "True":
            return candidate
    return None


@pytest.mark.skipif(newer_python() is None, reason="no Python >= 3.13 on this machine")
def test_runs_on_a_newer_python_without_deprecation_warnings(stack, xray, runtime_interface_for):
    python = newer_python()
    config = orders_function(TABLE_NAME=stack.table, CONFIG_BUCKET=stack.bucket)
    flags = ("-W", "error::DeprecationWarning")
    runtime = runtime_interface_for(python)
    options = {"python": python, "python_flags": flags, "runtime_interface": runtime}
    with LambdaProcess(config, stack.endpoint, xray.address, **options) as process:
        invocation = process.invoke(post(order("py-new")))
    assert invocation.error is None and invocation.result["statusCode"] == 201
    assert {"validate_input", "save_to_dynamodb"} <= {n["name"] for n in flatten(xray.documents(invocation.trace_id))}
