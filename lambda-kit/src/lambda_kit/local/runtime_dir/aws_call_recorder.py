"""Started instead of ``python -m awslambdaric HANDLER`` when ``LOCAL_AWS_CALL_LOG`` names a file: registers
botocore hooks that append one JSON line per AWS API call the function makes, once it is answered, then runs the
runtime interface client exactly as ``python -m awslambdaric HANDLER`` would (same module, same argv).

    {"service": "dynamodb", "operation": "PutItem", "params": {"TableName": "orders"}, "pid": 4242,
     "trace_id": "1-6750...", "error": "ConditionalCheckFailedException"}

Only the parameters that name a resource are kept (never item contents, bodies or secret values). ``pid`` is the
process that made the call (a worker, in a multi-concurrent environment), ``trace_id`` the Root of the invocation's
trace header (``_X_AMZN_TRACE_ID``, set by the runtime for each invocation; absent outside one), ``error`` the error
code AWS answered with (absent when the call succeeded; the exception's name when no answer came). The hooks are
botocore built-in handlers, so every session the function creates carries them. Lives in the runtime's own directory
(Lambda's ``/var/runtime`` stand-in), not in the function's code.
"""

from __future__ import annotations

import json
import os
import runpy
from typing import Any

from botocore.handlers import BUILTIN_HANDLERS

LOG_ENV = "LOCAL_AWS_CALL_LOG"
RESOURCE_PARAMS = ("TableName", "Bucket", "Key", "SecretId")
_CALL = "local_aws_call"  # where a call's record waits in its request context for the answer


def remember(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    context[_CALL] = {
        "service": model.service_model.service_name,
        "operation": model.name,
        "params": {name: params[name] for name in RESOURCE_PARAMS if name in params},
    }


def answered(http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    _append(context, parsed.get("Error", {}).get("Code") if http_response.status_code >= 300 else None)


def failed(exception: BaseException, context: dict[str, Any], **_: Any) -> None:
    _append(context, type(exception).__name__)


def _append(context: dict[str, Any], error: str | None) -> None:
    entry: dict[str, Any] = {**context[_CALL], "pid": os.getpid()}
    trace = os.environ.get("_X_AMZN_TRACE_ID", "")
    root = next((part[5:] for part in trace.split(";") if part.startswith("Root=")), None)
    if root:
        entry["trace_id"] = root
    if error:
        entry["error"] = error
    line = (json.dumps(entry, sort_keys=True, default=str) + "\n").encode()
    # O_APPEND: one write per line, so the lines of concurrent processes never interleave.
    fd = os.open(os.environ[LOG_ENV], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


# botocore's events, in the order of one call: its parameters, then its answer or the error that stood for one.
HOOKS = (("before-parameter-build", remember), ("after-call", answered), ("after-call-error", failed))

if __name__ == "__main__":
    BUILTIN_HANDLERS.extend(HOOKS)
    runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)
