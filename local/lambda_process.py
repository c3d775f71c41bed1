"""Run a handler the way Lambda does, in a fresh process per execution environment (a cold start).

The child sees only what a Lambda function sees on ``sys.path``: the function code (``/var/task``),
the common layer's ``python/`` (``/opt/python``), the dependencies layer (aws-xray-sdk, wrapt) and
the runtime's own boto3/botocore — built here as a directory of links into this venv, so a package
that happens to be in the venv (moto, requests, flask, ...) is not importable by the function, as on
Lambda. It gets Lambda's environment variables (``LAMBDA_TASK_ROOT`` puts the X-Ray SDK in Lambda
mode), one ``_X_AMZN_TRACE_ID`` per invocation, and reports init and invoke durations separately.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.emulator import REPO_ROOT, fake_credentials_env

BOOTSTRAP = Path(__file__).resolve().parent / "lambda_bootstrap.py"
TASK_ROOT = REPO_ROOT / "lambda_src"
COMMON_LAYER = REPO_ROOT / "layers" / "common" / "python"
# What the Lambda Python runtime ships (boto3 and its dependencies) and what our dependencies layer
# adds (layers/dependencies/requirements.txt).
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
DEPENDENCY_LAYER_PACKAGES = ("aws_xray_sdk", "wrapt")
FUNCTION_NAME = "orders-local"


def _link_packages(names: tuple[str, ...], target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"{name} is not installed in this environment")
        source = Path(spec.origin)
        source = source.parent if source.name == "__init__.py" else source
        link = target / source.name
        if link.is_symlink() and link.resolve() != source.resolve():
            link.unlink()  # left by another environment: point it at this one's copy
        if not link.is_symlink():
            with contextlib.suppress(FileExistsError):  # another process made the same link meanwhile
                link.symlink_to(source)
    return target


def lambda_site_paths(with_dependencies_layer: bool = True) -> list[str]:
    """sys.path entries the function gets, in Lambda's order: task root, layers, runtime."""
    # One directory per interpreter environment: two checkouts (a CI clone, a worktree) never share it.
    env_id = hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]
    base = Path(tempfile.gettempdir()) / f"lambda-deep-dive-site-{os.getuid()}-{env_id}"
    paths = [str(TASK_ROOT), str(COMMON_LAYER)]
    if with_dependencies_layer:
        paths.append(str(_link_packages(DEPENDENCY_LAYER_PACKAGES, base / "dependencies")))
    paths.append(str(_link_packages(RUNTIME_PACKAGES, base / "runtime")))
    return paths


def lambda_env(
    endpoint_url: str,
    function_env: dict[str, str],
    xray_daemon_address: str | None = None,
    initialization_type: str = "on-demand",
) -> dict[str, str]:
    """The environment Lambda gives a function (the subset that matters here) plus the function's own."""
    env = {
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(TASK_ROOT),
        "LAMBDA_RUNTIME_DIR": str(TASK_ROOT),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.14",
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type,
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/28/[$LATEST]local",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_ENDPOINT_URL": endpoint_url,
        **fake_credentials_env(),
    }
    if xray_daemon_address:
        host, _, port = xray_daemon_address.rpartition(":")
        env["AWS_XRAY_DAEMON_ADDRESS"] = xray_daemon_address
        env["_AWS_XRAY_DAEMON_ADDRESS"] = host
        env["_AWS_XRAY_DAEMON_PORT"] = port
    else:
        env["AWS_XRAY_SDK_ENABLED"] = "false"
    env.update(function_env)
    return env


def new_trace_header() -> tuple[str, str]:
    """(trace id, header) as Lambda sets them: a sampled trace whose parent is the Lambda segment."""
    trace_id = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return trace_id, f"Root={trace_id};Parent={uuid.uuid4().hex[:16]};Sampled=1"


class InitError(RuntimeError):
    def __init__(self, message: dict[str, Any]) -> None:
        super().__init__(f"{message['errorType']}: {message['errorMessage']}")
        self.error_type = message["errorType"]
        self.error_message = message["errorMessage"]
        self.init_ms = message["init_ms"]


@dataclass
class Invocation:
    request_id: str
    trace_id: str | None
    duration_ms: float
    cpu_ms: float = 0.0  # CPU time of the process during the invocation (robust to a busy machine)
    result: Any = None
    error: dict[str, Any] | None = None
    logs: list[str] = field(default_factory=list)  # the function's stdout between START and END


class LambdaProcess:
    """One execution environment. ``start()`` is the init phase; ``invoke()`` one request."""

    def __init__(
        self,
        env: dict[str, str],
        handler: str = "orders.handler.lambda_handler",
        paths: list[str] | None = None,
        python: str = sys.executable,
        python_flags: tuple[str, ...] = (),
    ) -> None:
        self._env = env
        self._handler = handler
        self._paths = paths if paths is not None else lambda_site_paths()
        self._python = python
        self._python_flags = python_flags
        self._process: subprocess.Popen[str] | None = None
        self._results: Any = None
        self._lines: list[str] = []
        self._lines_changed = threading.Condition()
        self.init_ms: float | None = None
        self.init_cpu_ms: float | None = None
        self.spawn_to_ready_ms: float | None = None

    def start(self) -> LambdaProcess:
        read_fd, write_fd = os.pipe()
        started = time.perf_counter()
        self._process = subprocess.Popen(
            [
                self._python,
                "-I",
                "-S",
                "-u",
                *self._python_flags,
                str(BOOTSTRAP),
                self._handler,
                str(write_fd),
                *self._paths,
            ],
            env=self._env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd,),
            text=True,
        )
        os.close(write_fd)
        self._results = os.fdopen(read_fd, "r")
        threading.Thread(target=self._read_output, daemon=True).start()
        message = self._next_result()
        self.spawn_to_ready_ms = (time.perf_counter() - started) * 1000
        if message["type"] == "init_error":
            self._process.wait(timeout=10)
            raise InitError(message)
        self.init_ms = message["init_ms"]
        self.init_cpu_ms = message["init_cpu_ms"]
        return self

    def _read_output(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            with self._lines_changed:
                self._lines.append(line.rstrip("\n"))
                self._lines_changed.notify_all()

    def _next_result(self) -> dict[str, Any]:
        line = self._results.readline()
        if not line:
            raise RuntimeError("the function's process exited:\n" + "\n".join(self._lines[-20:]))
        result: dict[str, Any] = json.loads(line)
        return result

    def output(self) -> list[str]:
        with self._lines_changed:
            return list(self._lines)

    def invoke(self, event: Any, trace: bool = True, timeout_ms: int = 10000) -> Invocation:
        assert self._process is not None and self._process.stdin is not None, "start() first"
        request_id = str(uuid.uuid4())
        trace_id, header = new_trace_header() if trace else (None, None)
        request = {"request_id": request_id, "trace_id": header, "event": event, "timeout_ms": timeout_ms}
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        message = self._next_result()
        logs = self._logs_of(request_id)
        invocation = Invocation(request_id, trace_id, message["duration_ms"], message["cpu_ms"], logs=logs)
        if message["type"] == "result":
            invocation.result = message["result"]
        else:
            invocation.error = {k: message[k] for k in ("errorType", "errorMessage", "stackTrace")}
        return invocation

    def _logs_of(self, request_id: str, timeout: float = 5.0) -> list[str]:
        start, end = f"START RequestId: {request_id} ", f"END RequestId: {request_id}"
        with self._lines_changed:
            self._lines_changed.wait_for(lambda: end in self._lines, timeout=timeout)
            lines = self._lines
            first = next((i + 1 for i, line in enumerate(lines) if line.startswith(start)), 0)
            last = lines.index(end) if end in lines else len(lines)
            return lines[first:last]

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._results:
            self._results.close()
        self._process = None

    def __enter__(self) -> LambdaProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
