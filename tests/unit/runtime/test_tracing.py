"""common.tracing outside Lambda, disabled, or without the SDK: a silent no-op.

Each case runs in a fresh interpreter: the SDK patches botocore process-wide and reads its mode at
import, so it must not leak into (or from) the test process.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
LAYER = REPO / "layers" / "common" / "python"

PROBE = """
import json, sys
from common import tracing
active = tracing.init()
with tracing.subsegment("validate_input") as span:
    span.annotate("order_id", "o-1")
    span.metadata("result", {"a": 1})
import botocore.client
print(json.dumps({
    "active": active,
    "sdk_imported": "aws_xray_sdk" in sys.modules,
    "botocore_patched": hasattr(botocore.client, "_xray_enabled"),
}))
"""

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def probe(env, block_sdk=False):
    code = PROBE
    if block_sdk:  # as if the dependencies layer were not attached
        code = "import sys; sys.modules['aws_xray_sdk'] = None\n" + code
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(LAYER), "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:9", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def test_outside_lambda_the_sdk_is_not_even_imported():
    state, stderr = probe({"_X_AMZN_TRACE_ID": TRACE})
    assert state == {"active": False, "sdk_imported": False, "botocore_patched": False}
    assert stderr == ""


@pytest.mark.parametrize("flag", ["false", "FALSE", "0"])
def test_disabled_sdk_is_not_imported(flag):
    state, stderr = probe({"LAMBDA_TASK_ROOT": "/var/task", "AWS_XRAY_SDK_ENABLED": flag})
    assert state["active"] is False and state["sdk_imported"] is False and stderr == ""


def test_lambda_without_the_sdk_runs_untraced_silently():
    state, stderr = probe({"LAMBDA_TASK_ROOT": "/var/task", "_X_AMZN_TRACE_ID": TRACE}, block_sdk=True)
    assert state["active"] is False and stderr == ""


def test_lambda_mode_patches_botocore_only():
    state, stderr = probe({"LAMBDA_TASK_ROOT": "/var/task", "_X_AMZN_TRACE_ID": TRACE})
    assert state == {"active": True, "sdk_imported": True, "botocore_patched": True}
    assert stderr == ""


def test_lambda_mode_without_trace_header_is_silent():
    state, stderr = probe({"LAMBDA_TASK_ROOT": "/var/task"})
    assert state["active"] is True and stderr == ""
