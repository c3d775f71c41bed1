"""Child-process side of ``local.lambda_process``: what Lambda's Python runtime does, minimally.

Run as ``python -I -S -u lambda_bootstrap.py HANDLER RESULT_FD PATH...`` (``-S``: no site-packages but
the PATHs given, as on Lambda; ``-u``: unbuffered stdout as Lambda's runtime has it). Stdlib only: it
must not import anything the function would not have.

Init: import the handler's module (timed). Then one invocation per JSON line on stdin: set
``_X_AMZN_TRACE_ID``, call the handler with a context object, print START/END/REPORT lines around the
function's own output on stdout, and send the result on RESULT_FD as a JSON line.
"""

import importlib
import json
import os
import sys
import time
import traceback


class LambdaContext:
    def __init__(self, request_id: str, deadline_ms: float) -> None:
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        region = os.environ.get("AWS_REGION", "")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:123456789012:function:{self.function_name}"
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))


def _error(exc: BaseException) -> dict[str, object]:
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(type(exc), exc, exc.__traceback__),
    }


def main() -> int:
    handler_name, result_fd = sys.argv[1], int(sys.argv[2])
    sys.path[:0] = sys.argv[3:]
    results = os.fdopen(result_fd, "w", buffering=1)

    def send(message: dict[str, object]) -> None:
        results.write(json.dumps(message) + "\n")

    module_name, _, function_name = handler_name.rpartition(".")
    started, started_cpu = time.perf_counter(), time.process_time()
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:  # Lambda reports Runtime.ImportModuleError / init errors the same way
        init_ms = (time.perf_counter() - started) * 1000
        print(f"INIT_REPORT Init Duration: {init_ms:.2f} ms Phase: init Status: error", flush=True)
        send({"type": "init_error", "init_ms": init_ms, **_error(exc)})
        return 1
    init_ms = (time.perf_counter() - started) * 1000
    init_cpu_ms = (time.process_time() - started_cpu) * 1000
    send({"type": "ready", "init_ms": init_ms, "init_cpu_ms": init_cpu_ms, "modules": len(sys.modules)})

    first = True
    for line in sys.stdin:
        request = json.loads(line)
        request_id = request["request_id"]
        if request.get("trace_id"):
            os.environ["_X_AMZN_TRACE_ID"] = request["trace_id"]
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        context = LambdaContext(request_id, time.time() * 1000 + request.get("timeout_ms", 10000))
        print(f"START RequestId: {request_id} Version: $LATEST", flush=True)
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            result = function(request["event"], context)
            message = {"type": "result", "result": json.loads(json.dumps(result))}
        except Exception as exc:
            message = {"type": "error", **_error(exc)}
        duration_ms = (time.perf_counter() - started) * 1000
        cpu_ms = (time.process_time() - started_cpu) * 1000
        report = f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms"
        if first:
            report += f"\tInit Duration: {init_ms:.2f} ms"
        print(f"END RequestId: {request_id}", flush=True)
        print(report, flush=True)
        first = False
        message["duration_ms"], message["cpu_ms"] = duration_ms, cpu_ms
        send(message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
