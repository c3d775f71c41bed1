"""Started instead of ``python -m awslambdaric HANDLER`` when ``LOCAL_AWS_CALL_LOG`` names a file: registers
a botocore hook that appends one JSON line per AWS API call the function makes, then runs the runtime
interface client exactly as ``python -m awslambdaric HANDLER`` would (same module, same argv).

    {"service": "dynamodb", "operation": "PutItem", "params": {"TableName": "orders"}}

Only the parameters that name a resource are kept (never item contents, bodies or secret values). The hook
is one of botocore's built-in handlers, so every session the function creates carries it. Lives in the
runtime's own directory (Lambda's ``/var/runtime`` stand-in), not in the function's code.
"""

from __future__ import annotations

import json
import os
import runpy
from typing import Any

from botocore.handlers import BUILTIN_HANDLERS

LOG_ENV = "LOCAL_AWS_CALL_LOG"
RESOURCE_PARAMS = ("TableName", "Bucket", "Key", "SecretId")


def record(params: dict[str, Any], model: Any, **_: Any) -> None:
    entry = {
        "service": model.service_model.service_name,
        "operation": model.name,
        "params": {name: params[name] for name in RESOURCE_PARAMS if name in params},
    }
    line = (json.dumps(entry, sort_keys=True, default=str) + "\n").encode()
    # O_APPEND: one write per line, so the lines of concurrent environments never interleave.
    fd = os.open(os.environ[LOG_ENV], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


if __name__ == "__main__":
    BUILTIN_HANDLERS.append(("before-parameter-build", record))
    runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)
