"""Recorded Lambda log tails (Text log format) and botocore Stubber helpers shared by the tool tests.

The REPORT lines follow what Lambda writes: tab-separated fields, each tab-terminated, an X-Ray line after
the REPORT line when tracing is active.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import boto3
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

# The physical name CloudFormation gives the fixture app's function (tests/fixtures/shop: shop-dev-service, Shop).
FUNCTION = "shop-dev-service-Shop563325D0-AbCdEfGh1234"
API_URL = "https://abc123.execute-api.ap-northeast-1.amazonaws.com"
RID = "8f5e1c2a-3b4d-4e6f-9a1b-2c3d4e5f6a7b"
XRAY = "XRAY TraceId: 1-6748a3f1-0a1b2c3d4e5f60718293a4b5\tSegmentId: 3c4d5e6f7a8b9c0d\tSampled: true\t\n"

# x86_64, cold: INIT_START, handler log, REPORT with Init Duration, X-Ray line.
X86_COLD = (
    "INIT_START Runtime Version: python:3.14.v12\tRuntime Version ARN: arn:aws:lambda:ap-northeast-1::runtime:0f1e2d\n"
    f"START RequestId: {RID} Version: $LATEST\n"
    '{"level": "INFO", "message": "order fetched", "order_id": "bench-1"}\n'
    f"END RequestId: {RID}\n"
    f"REPORT RequestId: {RID}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\t"
    "Max Memory Used: 71 MB\tInit Duration: 431.02 ms\t\n" + XRAY
)
# arm64, warm (no Init Duration), no X-Ray line.
ARM_WARM = (
    "START RequestId: 11111111-2222-3333-4444-555555555555 Version: 7\n"
    "END RequestId: 11111111-2222-3333-4444-555555555555\n"
    "REPORT RequestId: 11111111-2222-3333-4444-555555555555\tDuration: 3.71 ms\tBilled Duration: 4 ms\t"
    "Memory Size: 1024 MB\tMax Memory Used: 80 MB\t\n"
)
# arm64, cold.
ARM_COLD = (
    "REPORT RequestId: 22222222-2222-3333-4444-555555555555\tDuration: 25.50 ms\tBilled Duration: 26 ms\t"
    "Memory Size: 512 MB\tMax Memory Used: 74 MB\tInit Duration: 388.90 ms\t\n" + XRAY
)
# SnapStart (published version): Restore Duration instead of Init Duration.
SNAPSTART = (
    "START RequestId: 33333333-2222-3333-4444-555555555555 Version: 4\n"
    "REPORT RequestId: 33333333-2222-3333-4444-555555555555\tDuration: 9.80 ms\tBilled Duration: 107 ms\t"
    "Memory Size: 512 MB\tMax Memory Used: 95 MB\tRestore Duration: 210.11 ms\tBilled Restore Duration: 97 ms\t\n"
)
# A timeout (function timeout 3 s).
TIMEOUT = (
    "START RequestId: 44444444-2222-3333-4444-555555555555 Version: $LATEST\n"
    "2026-11-28T10:00:03.000Z 44444444-2222-3333-4444-555555555555 Task timed out after 3.00 seconds\n\n"
    "END RequestId: 44444444-2222-3333-4444-555555555555\n"
    "REPORT RequestId: 44444444-2222-3333-4444-555555555555\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout\n"
)
# Out of memory at 128 MB.
OOM = (
    "START RequestId: 55555555-2222-3333-4444-555555555555 Version: $LATEST\n"
    "END RequestId: 55555555-2222-3333-4444-555555555555\n"
    "REPORT RequestId: 55555555-2222-3333-4444-555555555555\tDuration: 812.45 ms\tBilled Duration: 813 ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 128 MB\tStatus: error\tError Type: Runtime.OutOfMemory\n"
)


def report_line(duration: float, billed: int, memory: int, used: int = 70, init: float | None = None) -> str:
    line = (
        f"REPORT RequestId: {RID}\tDuration: {duration:.2f} ms\tBilled Duration: {billed} ms\t"
        f"Memory Size: {memory} MB\tMax Memory Used: {used} MB\t"
    )
    if init is not None:
        line += f"Init Duration: {init:.2f} ms\t"
    return line + "\n" + XRAY


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def lambda_client():
    return boto3.client(
        "lambda", region_name="ap-northeast-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def cfn_client():
    return boto3.client(
        "cloudformation", region_name="ap-northeast-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def describe_stacks(outputs: dict[str, str] | None = None, stack: str = "shop-dev-service") -> dict[str, Any]:
    """DescribeStacks of a deployed stack with these outputs (default: the fixture service stack's two)."""
    outputs = {"ShopFunctionName": FUNCTION, "ApiUrl": API_URL} if outputs is None else outputs
    return {
        "Stacks": [
            {
                "StackName": stack,
                "CreationTime": "2026-11-28T00:00:00Z",
                "StackStatus": "CREATE_COMPLETE",
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
            }
        ]
    }


def invoke_response(log: str, body: dict[str, Any] | None = None, function_error: str | None = None) -> dict[str, Any]:
    raw = json.dumps(body if body is not None else {"statusCode": 200, "body": "{}"}).encode()
    resp = {
        "StatusCode": 200,
        "LogResult": b64(log),
        "Payload": StreamingBody(io.BytesIO(raw), len(raw)),
        "ExecutedVersion": "$LATEST",
    }
    if function_error:
        resp["FunctionError"] = function_error
    return resp


def invoke_params(qualifier: str, function: str = FUNCTION) -> dict[str, Any]:
    return {
        "FunctionName": function,
        "Qualifier": qualifier,
        "InvocationType": "RequestResponse",
        "LogType": "Tail",
        "Payload": ANY,
    }


def get_function_response(status: str = "Successful") -> dict[str, Any]:
    return {"Configuration": {"FunctionName": FUNCTION, "LastUpdateStatus": status, "State": "Active"}}


def configuration(memory: int = 512, arch: str = "arm64", env: dict[str, Any] | None = None) -> dict[str, Any]:
    cfg = {
        "FunctionName": FUNCTION,
        "Runtime": "python3.14",
        "MemorySize": memory,
        "Architectures": [arch],
        "LastUpdateStatus": "Successful",
        "State": "Active",
    }
    if env is not None:
        cfg["Environment"] = {"Variables": env}
    return cfg


# ---------------------------------------------------------------- the calls a sweep or a measurement makes, stubbed


def stub_configuration(stub: Stubber, memory: int = 512, env: dict[str, Any] | None = None) -> None:
    """GetFunctionConfiguration: what the tool reads first, and restores last."""
    stub.add_response("get_function_configuration", configuration(memory=memory, env=env), {"FunctionName": FUNCTION})


def stub_poll(stub: Stubber, status: str = "Successful") -> None:
    """One GetFunction of the function_updated waiter (and the wait before a restore)."""
    stub.add_response("get_function", get_function_response(status), {"FunctionName": FUNCTION})


def stub_update(stub: Stubber, change: dict[str, Any], memory: int = 512, env: dict[str, Any] | None = None) -> None:
    """UpdateFunctionConfiguration with ``change`` (answered with the configuration it leads to), then the waiter's
    GetFunction."""
    stub.add_response(
        "update_function_configuration", configuration(memory=memory, env=env), {"FunctionName": FUNCTION, **change}
    )
    stub_poll(stub)


def stub_invoke(stub: Stubber, log: str, qualifier: str = "$LATEST", function_error: str | None = None) -> None:
    stub.add_response("invoke", invoke_response(log, function_error=function_error), invoke_params(qualifier))


class Calls:
    """Records the operation names a Stubber-ed client actually sends, in order."""

    def __init__(self, client) -> None:
        self.names: list[str] = []
        client.meta.events.register("before-parameter-build.lambda", self._record)
        client.meta.events.register("before-parameter-build.cloudformation", self._record)

    def _record(self, model, **_):
        self.names.append(model.name)


__all__ = ["ANY", "Stubber"]
