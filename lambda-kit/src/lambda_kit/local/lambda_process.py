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
- the log stream with Lambda's platform lines in the function's log format (``platform_log``: Init Duration on
  the first invocation of an on-demand environment), timeouts and runtime crashes reported as Lambda reports them;
- on Lambda Managed Instances (``FunctionConfig.max_concurrency``): ``AWS_LAMBDA_MAX_CONCURRENCY``, which makes
  the client fork that many workers, and a Runtime API that hands each waiting worker its own request.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_kit.local.log_stream import LogStream
from lambda_kit.local.platform_log import PlatformLog, Report
from lambda_kit.local.processes import terminate
from lambda_kit.local.runtime_api import PendingInvocation, RuntimeApi
from lambda_kit.local.sandbox import CALL_LOG_ENV, FunctionConfig, lambda_env, lambda_site_paths, new_trace_header

INIT_TIMEOUT_SECONDS = 30.0
PIPE_BYTES = 1024 * 1024
# Where a multi-concurrent runtime's workers connect their stdout and stderr (awslambdaric's MultiConcurrentRunner).
LOG_SOCKET_ENV = "_LAMBDA_TELEMETRY_LOG_FD_PROVIDER_SOCKET"


def process_cpu_ms(pid: int) -> float:
    """CPU time of every live thread of ``pid`` (``/proc/<pid>/task/*/schedstat``, ns resolution)."""
    total_ns = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            total_ns += int(Path(path).read_text().split()[0])
    return total_ns / 1e6


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (``/proc/<pid>/task/*/children``)."""
    found: list[int] = []
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError, ValueError):
            found.extend(int(child) for child in Path(path).read_text().split())
    return found


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
    stream: list[str] = field(default_factory=list)  # START, the logs, END and REPORT: what LogType=Tail returns


class LambdaProcess:
    """One execution environment. ``start()`` is the init phase; ``invoke()`` one request.

    A multi-concurrent environment (``config.max_concurrency``, Lambda Managed Instances) runs that many workers:
    awslambdaric forks them from the runtime process, each imports the handler (its own init) and asks the Runtime
    API for work. Init ends when every worker waits for work, as Lambda initializes such an environment before it
    routes a request to it; then ``invoke()`` may be called from as many threads at once, each request served by
    whichever worker is free."""

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
        self.workers = config.max_concurrency or 1  # runtime processes waiting for work once initialized
        self._platform = PlatformLog(config)
        self._python = python
        self._python_flags = python_flags
        self._runtime_interface = runtime_interface
        self.timeout_seconds = config.timeout_seconds
        self._call_log = call_log if call_log is not None else os.environ.get(CALL_LOG_ENV)
        self._process: subprocess.Popen[bytes] | None = None
        self._api: RuntimeApi | None = None
        self._log: LogStream | None = None
        self._log_dir: str | None = None  # the workers' log socket's directory
        self._spawned_at = 0.0
        self._nexts = 0  # `next` calls so far: init ends when every worker has made its first
        self._ready_at: float | None = None
        self._pending_init_report = False  # the next invocation reports Init Duration
        self.init_ms: float | None = None
        self.init_cpu_ms: float | None = None
        self.exit_code: int | None = None
        self._final_lines: list[str] = []
        self._peak_mb = 0

    @property
    def multi_concurrent(self) -> bool:
        return self.config.max_concurrency is not None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The runtime process (awslambdaric's), once started."""
        return self._process.pid if self._process is not None else None

    def worker_pids(self) -> list[int]:
        """The runtime's worker processes (a multi-concurrent environment's forked workers), or the runtime itself."""
        if self._process is None:
            return []
        return children(self._process.pid) if self.multi_concurrent else [self._process.pid]

    def _command(self) -> list[str]:
        module = "aws_call_recorder" if self._call_log else "awslambdaric"
        return [self._python, "-S", *self._python_flags, "-m", module, self.handler]

    def _peak_memory_mb(self) -> int:
        if self._process is not None and self.alive:
            self._peak_mb = peak_memory_mb(self._process.pid) or self._peak_mb
        return self._peak_mb

    def _on_next(self) -> None:
        if self._ready_at is not None:
            return
        self._nexts += 1  # before init ends every `next` is a different worker's first (nothing is submitted)
        if self._nexts >= self.workers:
            self._peak_memory_mb()
            if self._process is not None:
                self.init_cpu_ms = sum(process_cpu_ms(pid) for pid in {self._process.pid, *self.worker_pids()})
            self._ready_at = time.perf_counter()

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
        listener = None
        if self.multi_concurrent:
            self._log_dir = tempfile.mkdtemp(prefix="lambda-kit-logs-")
            env[LOG_SOCKET_ENV] = os.path.join(self._log_dir, "fd.sock")
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(env[LOG_SOCKET_ENV])
            listener.listen(2 * self.workers)  # each worker connects its stdout, then its stderr
        self._log = LogStream(read_fd, listener)
        self._log.platform(self._platform.init_start())
        self._spawned_at = time.perf_counter()
        self._process = subprocess.Popen(
            self._command(),
            cwd=self.config.task_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=write_fd,
            stderr=write_fd,
            start_new_session=True,  # its own process group: stopping it stops the workers it forked
        )
        os.close(write_fd)
        self._wait_for_init()
        return self

    def _wait_for_init(self) -> None:
        assert self._process is not None and self._api is not None and self._log is not None
        deadline = time.monotonic() + INIT_TIMEOUT_SECONDS
        while self._ready_at is None:
            if self._api.init_error_reported.wait(0.01) or self._process.poll() is not None:
                break
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"{self.handler}: init did not finish within {INIT_TIMEOUT_SECONDS} s")
        if self._ready_at is not None:
            self.init_ms = (self._ready_at - self._spawned_at) * 1000
            self._pending_init_report = self.config.initialization_type == "on-demand"
            self._platform_line(self._platform.init_report(self.init_ms, None))
            return
        init_ms = (time.perf_counter() - self._spawned_at) * 1000
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)  # the client exits after reporting an init error (all its workers do)
        self.exit_code = self._process.returncode
        error = self._api.init_error or {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"Runtime exited with error: exit status {self.exit_code}",
        }
        self._platform_line(self._platform.init_report(init_ms, str(error["errorType"])))
        self._log.wait_for_eof(timeout=2)
        self.stop()
        raise InitError(error, init_ms, self.output())

    def _platform_line(self, line: str | None) -> None:
        if line is not None and self._log is not None:
            self._log.platform(line)

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
        arn = invoked_arn or self.config.arn
        pending = PendingInvocation(
            request_id=request_id,
            event=payload,
            deadline_ms=int(time.time() * 1000 + self.timeout_seconds * 1000),
            function_arn=arn,
            trace_header=header,
            client_context=json.dumps(client_context) if client_context is not None else None,
        )
        start = self._platform.start(request_id, arn, header)
        self._log.platform(start)
        first_line = len(self._log.lines())
        # CPU time is the runtime process's: a multi-concurrent environment's workers serve other requests meanwhile.
        cpu_before = None if self.multi_concurrent else process_cpu_ms(self._process.pid)
        self._api.submit(pending)
        status, error = self._await(pending)
        finished = pending.finished_at or time.perf_counter()
        started = pending.dispatched_at or finished
        duration_ms = (finished - started) * 1000
        cpu_ms = 0.0
        if cpu_before is not None and self._process.poll() is None:
            cpu_ms = process_cpu_ms(self._process.pid) - cpu_before
        invocation = Invocation(request_id, trace_id, duration_ms, cpu_ms)
        if error is None:
            invocation.payload = pending.result or b"null"
            invocation.result = _decode(invocation.payload)
        else:
            invocation.error = error
        if status == "error" and error:  # the runtime died: Lambda logs why
            self._log.platform(str(error["errorMessage"]))
            self._log.platform(str(error["errorType"]))
        self._log.drain()
        lines = self._log.lines()[first_line:]
        end = self._platform.end(request_id)
        self._platform_line(end)
        # Several requests at once: a line is this one's when it names its request id (the JSON format's records,
        # the runtime's error report, the function's own JSON lines do), as in the log group.
        invocation.logs = [line for line in lines if request_id in line] if self.multi_concurrent else lines
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
        report = self._platform.report(invocation.report, header, str(error["errorType"]) if error else None)
        self._log.platform(report)
        self._platform_line(self._platform.trace(header))
        invocation.stream = [start, *invocation.logs, *([end] if end else []), report]
        return invocation

    def _await(self, pending: PendingInvocation) -> tuple[str | None, dict[str, Any] | None]:
        """(REPORT status, error): the function's result or error, its timeout, or the runtime's exit."""
        assert self._process is not None and self._api is not None
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
                return "timeout", self._timed_out(pending)
        if pending.error is not None:
            return None, pending.error  # a function error: the environment stays
        return None, None

    def _timed_out(self, pending: PendingInvocation) -> dict[str, Any]:
        """On demand, Lambda stops the environment (the next request starts a new one); a multi-concurrent one keeps
        serving, and the worker's late answer is refused (its Runtime API forgets the request)."""
        assert self._process is not None and self._api is not None and self._log is not None
        if self.multi_concurrent:
            self._api.forget(pending.request_id)
        else:
            terminate(self._process, timeout=0, group=True)
        pending.finished_at = time.perf_counter()
        message = f"Task timed out after {self.timeout_seconds:.2f} seconds"
        if not self._platform.json:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
            self._log.platform(f"{stamp}.000Z {pending.request_id} {message}")
        return {"errorType": "Sandbox.Timedout", "errorMessage": message}

    def stop(self) -> None:
        if self._api is not None:
            self._api.stop()
            self._api = None
        if self._process is not None:
            self.exit_code = terminate(self._process, group=True)
        if self._log is not None:
            self._log.close()
            self._final_lines = self._log.lines()
            self._log = None
        if self._log_dir is not None:
            shutil.rmtree(self._log_dir, ignore_errors=True)
            self._log_dir = None

    def __enter__(self) -> LambdaProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body
