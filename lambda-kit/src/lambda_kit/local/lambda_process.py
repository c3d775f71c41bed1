"""Run a handler the way Lambda's managed Python runtime does: one fresh process per execution environment
(a cold start), running AWS's runtime interface client as the runtime does, ``python -m awslambdaric
HANDLER`` with the function's code as working directory, against a local Runtime API (``runtime_api``).

What the client does itself, it does here too: import the handler (init), fetch each event, unmarshal it,
call the handler with its context (request id, deadline, function ARN, client context), marshal the result
exactly as on ``AWS_EXECUTION_ENV=AWS_Lambda_python3.14`` (``ensure_ascii=False``, then UTF-8) and post it,
or post the error, or report an init error and exit. What Lambda does around it is done here:

- ``sys.path`` as Lambda builds it (``sandbox``): the task root (``/var/task``, the working directory), the
  function's layers (``/opt/python``), the runtime's packages (boto3, botocore, ...) and the runtime interface
  client (``/var/runtime``); ``python -S``: no site-packages beyond those;
- Lambda's environment variables (``LAMBDA_TASK_ROOT`` puts the X-Ray SDK in Lambda mode), a trace
  header per invocation, the X-Ray daemon address (``xray_listener`` captures the UDP segments);
- the log stream with INIT_START/START/END/REPORT lines (Init Duration on the first invocation of an
  on-demand environment), timeouts and runtime crashes reported as Lambda reports them.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import math
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_kit.local.log_stream import LogStream, Report, end_line, init_start_line, start_line, xray_line
from lambda_kit.local.processes import terminate
from lambda_kit.local.runtime_api import PendingInvocation, RuntimeApi
from lambda_kit.local.sandbox import CALL_LOG_ENV, FunctionConfig, lambda_env, lambda_site_paths, new_trace_header

INIT_TIMEOUT_SECONDS = 30.0
PIPE_BYTES = 1024 * 1024


def process_cpu_ms(pid: int) -> float:
    """CPU time of every live thread of ``pid`` (``/proc/<pid>/task/*/schedstat``, ns resolution)."""
    total_ns = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            total_ns += int(Path(path).read_text().split()[0])
    return total_ns / 1e6


def peak_memory_mb(pid: int) -> int | None:
    """Peak resident set size (VmHWM), as Lambda's Max Memory Used."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return math.ceil(int(line.split()[1]) / 1024)
    return None


class InitError(RuntimeError):
    """The function failed to initialize (reported on ``/init/error``, or the process died first)."""

    def __init__(self, error: dict[str, Any], init_ms: float, logs: list[str] | None = None) -> None:
        super().__init__(f"{error.get('errorType')}: {error.get('errorMessage')}")
        self.error = error
        self.error_type = str(error.get("errorType"))
        self.error_message = str(error.get("errorMessage"))
        self.init_ms = init_ms
        self.logs = logs or []  # the environment's log stream: what the function and Lambda logged


@dataclass
class Invocation:
    request_id: str
    trace_id: str | None
    duration_ms: float
    cpu_ms: float = 0.0  # CPU time of the process during the invocation (robust to a busy machine)
    result: Any = None  # the response document, as the Runtime API received it (decoded JSON)
    payload: bytes = b""  # ... and as the runtime serialized it: what Lambda returns to its caller
    error: dict[str, Any] | None = None  # errorType, errorMessage, stackTrace (function or runtime error)
    logs: list[str] = field(default_factory=list)  # the function's lines between START and END
    report: Report | None = None


class LambdaProcess:
    """One execution environment. ``start()`` is the init phase; ``invoke()`` one request."""

    def __init__(
        self,
        config: FunctionConfig,
        endpoint_url: str | None = None,
        xray_daemon_address: str | None = None,
        python: str = sys.executable,
        python_flags: tuple[str, ...] = (),
        call_log: str | None = None,
        runtime_interface: Path | None = None,
        unset: tuple[str, ...] = (),
    ) -> None:
        """``unset``: variables Lambda sets that this environment goes without (a test of code run outside
        Lambda: ``LAMBDA_TASK_ROOT``)."""
        self.config = config
        self._env = {k: v for k, v in lambda_env(config, endpoint_url, xray_daemon_address).items() if k not in unset}
        self.handler = config.handler
        self._python = python
        self._python_flags = python_flags
        self._runtime_interface = runtime_interface
        self.timeout_seconds = config.timeout_seconds
        self._call_log = call_log if call_log is not None else os.environ.get(CALL_LOG_ENV)
        self._process: subprocess.Popen[bytes] | None = None
        self._api: RuntimeApi | None = None
        self._log: LogStream | None = None
        self._spawned_at = 0.0
        self._first_next_at: float | None = None
        self._pending_init_report = False  # the next invocation reports Init Duration
        self.init_ms: float | None = None
        self.init_cpu_ms: float | None = None
        self.exit_code: int | None = None
        self._final_lines: list[str] = []
        self._peak_mb = 0

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _command(self) -> list[str]:
        module = "aws_call_recorder" if self._call_log else "awslambdaric"
        return [self._python, "-S", *self._python_flags, "-m", module, self.handler]

    def _peak_memory_mb(self) -> int:
        if self._process is not None and self.alive:
            self._peak_mb = peak_memory_mb(self._process.pid) or self._peak_mb
        return self._peak_mb

    def _on_next(self) -> None:
        self._peak_memory_mb()
        if self._first_next_at is None:
            self._first_next_at = time.perf_counter()
            if self._process is not None:
                self.init_cpu_ms = process_cpu_ms(self._process.pid)

    def start(self) -> LambdaProcess:
        self._api = RuntimeApi(on_next=self._on_next).start()
        env = {
            **self._env,
            "PYTHONPATH": os.pathsep.join(lambda_site_paths(self.config.layers, self._runtime_interface)),
            "AWS_LAMBDA_RUNTIME_API": self._api.address,
            "_HANDLER": self.handler,
            # Lambda's en_US.UTF-8 locale gives stdout UTF-8 with strict errors. This machine lacks that
            # locale and Python falls back to C.UTF-8 with "surrogateescape", which would write bytes
            # Lambda's runtime refuses to: ask for what Lambda has.
            "PYTHONIOENCODING": "utf-8:strict",
        }
        if self._call_log:
            env[CALL_LOG_ENV] = self._call_log
        read_fd, write_fd = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # Linux: room for what the log stream drains in batches
            fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        self._log = LogStream(read_fd)
        self._log.platform(init_start_line(self.config.arn))
        self._spawned_at = time.perf_counter()
        self._process = subprocess.Popen(
            self._command(),
            cwd=self.config.task_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=write_fd,
            stderr=write_fd,
        )
        os.close(write_fd)
        self._wait_for_init()
        return self

    def _wait_for_init(self) -> None:
        assert self._process is not None and self._api is not None and self._log is not None
        deadline = time.monotonic() + INIT_TIMEOUT_SECONDS
        while self._first_next_at is None:
            if self._api.init_error_reported.wait(0.01) or self._process.poll() is not None:
                break
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"{self.handler}: init did not finish within {INIT_TIMEOUT_SECONDS} s")
        if self._first_next_at is not None:
            self.init_ms = (self._first_next_at - self._spawned_at) * 1000
            self._pending_init_report = self.config.initialization_type == "on-demand"
            return
        init_ms = (time.perf_counter() - self._spawned_at) * 1000
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)  # the client exits after reporting an init error
        self.exit_code = self._process.returncode
        error = self._api.init_error or {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"Runtime exited with error: exit status {self.exit_code}",
        }
        self._log.platform(
            f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error\tError Type: {error['errorType']}"
        )
        self._log.wait_for_eof(timeout=2)
        self.stop()
        raise InitError(error, init_ms, self.output())

    def output(self) -> list[str]:
        """Every line of the environment's log stream so far."""
        return self._log.lines() if self._log else list(self._final_lines)

    def invoke(
        self,
        event: Any,
        trace: bool = True,
        client_context: dict[str, Any] | None = None,
        invoked_arn: str | None = None,
    ) -> Invocation:
        """One request. ``event`` is a JSON-serializable value, or ``bytes`` sent to the runtime as they are;
        ``invoked_arn``: the ARN the caller named (with its qualifier), the context's ``invoked_function_arn``."""
        assert self._process is not None and self._api is not None and self._log is not None, "start() first"
        if not self.alive:
            raise RuntimeError(f"the environment is gone (exit status {self._process.returncode})")
        request_id = str(uuid.uuid4())
        trace_id, header = new_trace_header() if trace else (None, None)
        payload = event if isinstance(event, bytes) else json.dumps(event).encode()
        pending = PendingInvocation(
            request_id=request_id,
            event=payload,
            deadline_ms=int(time.time() * 1000 + self.timeout_seconds * 1000),
            function_arn=invoked_arn or self.config.arn,
            trace_header=header,
            client_context=json.dumps(client_context) if client_context is not None else None,
        )
        self._log.platform(start_line(request_id, self.config.version))
        first_line = len(self._log.lines())
        cpu_before = process_cpu_ms(self._process.pid)
        self._api.submit(pending)
        status, error = self._await(pending)
        finished = pending.finished_at or time.perf_counter()
        started = pending.dispatched_at or finished
        duration_ms = (finished - started) * 1000
        cpu_ms = process_cpu_ms(self._process.pid) - cpu_before if self._process.poll() is None else 0.0
        invocation = Invocation(request_id, trace_id, duration_ms, cpu_ms)
        if error is None:
            invocation.payload = pending.result or b"null"
            invocation.result = _decode(invocation.payload)
        else:
            invocation.error = error
        if status == "error" and error:  # the runtime died: Lambda logs why
            self._log.platform(str(error["errorMessage"]))
            self._log.platform(str(error["errorType"]))
        self._log.platform(end_line(request_id))
        invocation.logs = self._log.lines()[first_line:-1]
        invocation.report = Report(
            request_id=request_id,
            duration_ms=duration_ms,
            memory_size_mb=self.config.memory_mb,
            max_memory_used_mb=self._peak_memory_mb(),
            init_duration_ms=self.init_ms if self._pending_init_report else None,
            status=status,
            error_type=str(error["errorType"]) if status == "error" and error else None,
        )
        self._pending_init_report = False
        self._log.platform(invocation.report.line())
        if header:
            self._log.platform(xray_line(header))
        return invocation

    def _await(self, pending: PendingInvocation) -> tuple[str | None, dict[str, Any] | None]:
        """(REPORT status, error): the function's result or error, its timeout, or the runtime's exit."""
        assert self._process is not None
        deadline = time.monotonic() + self.timeout_seconds
        while not pending.done.wait(0.005):
            if self._process.poll() is not None:
                pending.done.wait(0.05)  # a result posted just before the exit still counts
                if pending.done.is_set():
                    break
                self.exit_code = self._process.returncode
                message = (
                    f"RequestId: {pending.request_id} Error: Runtime exited with error: exit status {self.exit_code}"
                )
                return "error", {"errorType": "Runtime.ExitError", "errorMessage": message}
            if time.monotonic() > deadline:
                # Lambda stops the environment on a timeout: the next request starts a new one.
                self._process.kill()
                self._process.wait()
                pending.finished_at = time.perf_counter()
                message = f"Task timed out after {self.timeout_seconds:.2f} seconds"
                assert self._log is not None
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
                self._log.platform(f"{stamp}.000Z {pending.request_id} {message}")
                return "timeout", {"errorType": "Sandbox.Timedout", "errorMessage": message}
        if pending.error is not None:
            return None, pending.error  # a function error: the environment stays
        return None, None

    def stop(self) -> None:
        if self._api is not None:
            self._api.stop()
            self._api = None
        if self._process is not None:
            self.exit_code = terminate(self._process)
        if self._log is not None:
            self._log.close()
            self._final_lines = self._log.lines()
            self._log = None

    def __enter__(self) -> LambdaProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body
