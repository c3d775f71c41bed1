"""common.tracing: which backend loads when, and that nothing loads outside Lambda, when disabled, or without
the backend's packages (a silent no-op then).

Each case runs in a fresh interpreter: a backend patches botocore process-wide and reads its mode at import,
so it must not leak into (or from) the test process.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lambda_kit.local.otlp_receiver import OtlpUdpReceiver

from tests.unit.runtime.tracing.conftest import LAMBDA_VARIABLES

REPO = Path(__file__).resolve().parents[3]
LAYER = REPO / "layers" / "common" / "python"

PROBE = """
import json, sys
from common import tracing
active = tracing.init()
with tracing.subsegment("validate_input") as span:
    span.annotate("order_id", "o-1")
    span.metadata("result", {"a": 1})
client = sys.modules.get("botocore.client")  # a backend that patches botocore has imported it
print(json.dumps({
    "active": active,
    "sdk_imported": "aws_xray_sdk" in sys.modules,
    "otel_imported": any(name.split(".")[0] == "opentelemetry" for name in sys.modules),
    # Both backends wrap BaseClient._make_api_call with wrapt.
    "botocore_patched": client is not None
    and type(vars(client.BaseClient)["_make_api_call"]).__name__ == "FunctionWrapper",
}))
"""

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
IN_LAMBDA = {**LAMBDA_VARIABLES, "_X_AMZN_TRACE_ID": TRACE}
NOTHING = {"active": False, "sdk_imported": False, "otel_imported": False, "botocore_patched": False}


def probe(env, block=None, daemon="127.0.0.1:9"):
    code = PROBE
    if block:  # as if the stage's dependencies layer were not attached
        code = f"import sys; sys.modules[{block!r}] = None\n" + code
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(LAYER), "AWS_XRAY_DAEMON_ADDRESS": daemon, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


@pytest.mark.parametrize("backend", ["xray-sdk", "otel"])
def test_outside_lambda_no_tracer_is_even_imported(backend):
    state, stderr = probe({"_X_AMZN_TRACE_ID": TRACE, "TRACING": backend})
    assert state == NOTHING
    assert stderr == ""


@pytest.mark.parametrize(("variable", "value"), [("AWS_XRAY_SDK_ENABLED", v) for v in ("false", "FALSE", "0")])
def test_disabled_sdk_is_not_imported(variable, value):
    state, stderr = probe({"LAMBDA_TASK_ROOT": "/var/task", variable: value})
    assert state == NOTHING and stderr == ""


def test_disabled_otel_is_not_imported():
    state, stderr = probe({**IN_LAMBDA, "TRACING": "otel", "OTEL_SDK_DISABLED": "true"})
    assert state == NOTHING and stderr == ""


def test_tracing_off_imports_nothing_in_lambda():
    state, stderr = probe({**IN_LAMBDA, "TRACING": "off"})
    assert state == NOTHING and stderr == ""


@pytest.mark.parametrize(("backend", "package"), [("xray-sdk", "aws_xray_sdk"), ("otel", "opentelemetry")])
def test_lambda_without_the_backends_layer_logs_one_line_and_runs_untraced(backend, package):
    # A missing or broken layer must not deploy quietly: one line at init names the backend, the function serves.
    state, stderr = probe({**IN_LAMBDA, "TRACING": backend}, block=package)
    assert state["active"] is False
    [line] = stderr.splitlines()
    assert line.startswith(f"tracing: TRACING={backend} cannot start, its packages do not import (")
    assert line.endswith("the function runs untraced; attach the stage's dependencies layer for this backend")


def test_xray_sdk_is_the_default_and_never_loads_opentelemetry():
    # The X-Ray path's cold start must not pay for OpenTelemetry.
    state, stderr = probe(IN_LAMBDA)
    assert state == {"active": True, "sdk_imported": True, "otel_imported": False, "botocore_patched": True}
    assert stderr == ""


def test_otel_never_loads_the_xray_sdk():
    state, stderr = probe({**IN_LAMBDA, "TRACING": "otel"})
    assert state == {"active": True, "sdk_imported": False, "otel_imported": True, "botocore_patched": True}
    assert stderr == ""


def test_lambda_mode_without_trace_header_is_silent():
    state, stderr = probe({"LAMBDA_TASK_ROOT": "/var/task"})
    assert state["active"] is True and stderr == ""


def test_unknown_backend_fails_init_naming_the_choices():
    result = subprocess.run(
        [sys.executable, "-c", "from common import tracing; tracing.init()"],
        env={"PYTHONPATH": str(LAYER), "TRACING": "jaeger", "LAMBDA_TASK_ROOT": "/var/task"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "TRACING='jaeger' is not a tracing backend: choose one of xray-sdk, otel, off" in result.stderr


SAMPLING_PROBE = """
import json, os
import botocore.handlers, botocore.session
from common import tracing
tracing.init()
s3 = botocore.session.get_session().create_client(
    "s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
)
sent_headers = []


def capture(request, **_):  # what an AWS call carries, without sending it
    header = request.headers["X-Amzn-Trace-Id"]
    sent_headers.append(header.decode() if isinstance(header, bytes) else header)
    raise ConnectionAbortedError("not sent")


s3.meta.events.register("before-send", capture)
# In Lambda, botocore's own recursion-detection handler writes X-Amzn-Trace-Id from _X_AMZN_TRACE_ID before the
# OpenTelemetry instrumentation, which then keeps it: the header checked here is the instrumentation's.
s3.meta.events.unregister("before-call", botocore.handlers.add_recursion_detection_header)
for sampled in ("0", "1"):  # Lambda sets the header anew for each invocation
    os.environ["_X_AMZN_TRACE_ID"] = os.environ["_X_AMZN_TRACE_ID"][:-1] + sampled
    with tracing.subsegment(f"sampled={sampled}") as span:
        span.annotate("order_id", "o-1")
        span.metadata("result", {"a": 1})
        try:
            s3.list_buckets()
        except ConnectionAbortedError:
            pass
print(json.dumps(sent_headers))
"""


def test_otel_follows_lambdas_sampling_decision_parent_and_propagates_it():
    with OtlpUdpReceiver() as daemon:
        result = subprocess.run(
            [sys.executable, "-c", SAMPLING_PROBE],
            env={"PYTHONPATH": str(LAYER), "AWS_XRAY_DAEMON_ADDRESS": daemon.address, "TRACING": "otel", **IN_LAMBDA},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0 and result.stderr == "", result.stderr
        spans = {span["name"]: span for span in daemon.documents(settle=0.3)}
    assert not daemon.bad_datagrams
    assert set(spans) == {"sampled=1", "S3.ListBuckets"}  # the unsampled invocation sent nothing
    step, call = spans["sampled=1"], spans["S3.ListBuckets"]
    # A child of the function segment Lambda opened, in its trace; the AWS call a child of the step.
    assert (step["trace_id"], step["parent_id"]) == ("1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8")
    assert (call["trace_id"], call["parent_id"]) == (step["trace_id"], step["id"])
    assert step["attributes"]["aws.xray.annotations"] == ["order_id"]
    assert json.loads(step["attributes"]["aws.xray.metadata.default"]) == {"result": {"a": 1}}
    # The X-Ray header goes on to AWS with the caller's sampling decision, unsampled calls included.
    unsampled, sampled = json.loads(result.stdout)
    assert unsampled.startswith("Root=1-5759e988-bd862e3fe1be46a994272793;") and unsampled.endswith(";Sampled=0")
    assert sampled == f"Root=1-5759e988-bd862e3fe1be46a994272793;Parent={call['id']};Sampled=1"
