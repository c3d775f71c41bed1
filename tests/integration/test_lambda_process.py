"""The real handler module in fresh Lambda-like processes (local.lambda_process): init, cold start,
log lines, and the X-Ray documents the SDK sends over UDP in Lambda mode."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from local.lambda_process import InitError, LambdaProcess, lambda_env
from local.xray_listener import XRayListener, flatten
from tests.integration.events import get, order, post


@pytest.fixture
def xray():
    with XRayListener() as listener:
        yield listener


def function_env(stack, xray=None, **extra):
    env = lambda_env(
        stack.endpoint,
        {"TABLE_NAME": stack.table, "CONFIG_BUCKET": stack.bucket, **extra},
        xray.address if xray else None,
    )
    return env


@pytest.mark.parametrize("missing", ["TABLE_NAME", "CONFIG_BUCKET"])
def test_init_fails_naming_the_missing_variable(stack, missing):
    env = function_env(stack)
    del env[missing]
    with pytest.raises(InitError) as info:
        LambdaProcess(env).start()
    assert info.value.error_type == "MissingEnvironmentVariable"
    assert missing in info.value.error_message


# The X-Ray documents of each step, their annotation, metadata, AWS calls and error flags: see
# test_same_trace.py, which checks them for both tracing backends.


def test_sdk_disabled_sends_nothing_and_still_serves(stack, xray):
    env = function_env(stack, xray, AWS_XRAY_SDK_ENABLED="false")
    with LambdaProcess(env) as function:
        invocation = function.invoke(post(order("xr-2")))
    assert invocation.result["statusCode"] == 201
    assert xray.documents() == []


def log_entries(invocation):
    return [json.loads(line) for line in invocation.logs]


def test_cold_start_flag_and_log_lines(stack, xray):
    with LambdaProcess(function_env(stack, xray)) as function:
        assert function.init_ms and function.init_ms > 0
        first = function.invoke(post(order("cs-1")))
        second = function.invoke(get("cs-1"))
        output = function.output()
    # Every line the function printed is one JSON object (START/END/REPORT are the runtime's).
    runtime_lines = ("START ", "END ", "REPORT ")
    function_lines = [line for line in output if not line.startswith(runtime_lines)]
    assert function_lines and all(json.loads(line) for line in function_lines)
    [a], [b] = log_entries(first), log_entries(second)
    assert (a["cold_start"], b["cold_start"]) == (True, False)
    assert a["request_id"] == first.request_id and b["request_id"] == second.request_id
    assert a["xray_trace_id"] == first.trace_id
    assert datetime.fromisoformat(a["timestamp"]).utcoffset() == timedelta(0)
    assert a["status_code"] == 201 and b["status_code"] == 200


def test_no_cold_start_under_provisioned_concurrency(stack):
    env = lambda_env(
        stack.endpoint,
        {"TABLE_NAME": stack.table, "CONFIG_BUCKET": stack.bucket},
        initialization_type="provisioned-concurrency",
    )
    with LambdaProcess(env) as function:
        [entry] = log_entries(function.invoke(post(order("pc-1"))))
    assert entry["cold_start"] is False


def test_outside_lambda_mode_runs_untraced_without_noise(stack, xray):
    env = function_env(stack, xray)
    del env["LAMBDA_TASK_ROOT"]
    with LambdaProcess(env) as function:
        invocation = function.invoke(post(order("nl-1")))
        output = function.output()
    assert invocation.result["statusCode"] == 201
    assert xray.documents() == []
    assert all(line.startswith(("START ", "END ", "REPORT ", "{")) for line in output), output


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
def test_runs_on_a_newer_python_without_deprecation_warnings(stack, xray):
    env = function_env(stack, xray)
    flags = ("-W", "error::DeprecationWarning")
    with LambdaProcess(env, python=newer_python(), python_flags=flags) as function:
        invocation = function.invoke(post(order("py-new")))
    assert invocation.error is None and invocation.result["statusCode"] == 201
    assert {"validate_input", "save_to_dynamodb"} <= {n["name"] for n in flatten(xray.documents(invocation.trace_id))}
