"""The Lambda Runtime API for one execution environment, on 127.0.0.1: what the runtime interface client
(``awslambdaric``) talks to in place of Lambda's own.

Implements the buffered-response subset of https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html:

- ``GET  /2018-06-01/runtime/invocation/next`` blocks until an invocation is submitted, then answers the
  event with ``Lambda-Runtime-Aws-Request-Id``, ``-Deadline-Ms``, ``-Invoked-Function-Arn``, ``-Trace-Id``
  and, when given, ``-Client-Context`` / ``-Cognito-Identity``;
- ``POST /2018-06-01/runtime/invocation/{id}/response`` and ``.../{id}/error`` end that invocation;
- ``POST /2018-06-01/runtime/init/error`` reports a failed init (the first report only: a worker reporting after
  another did gets 403, as Lambda Managed Instances answer it and the runtime client expects);
- ``GET  /2018-06-01/runtime/restore/next`` (SnapStart) answers at once: there is no snapshot here, but the
  client then runs the function's after-restore hooks as on a restore.

Each request is timed when it arrives, so the caller can tell init (spawn to the first ``next``) from the
invocation (event handed out to result received), as Lambda does for Init Duration and Duration.

Any number of runtimes may wait in ``next`` at once, each on its own connection: the worker processes of a
multi-concurrent environment (Lambda Managed Instances) do, and each submitted invocation goes to one of them.
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"


@dataclass
class PendingInvocation:
    """One invocation, from submission to its result. Times are ``time.perf_counter()`` values."""

    request_id: str
    event: bytes
    deadline_ms: int  # epoch milliseconds, as the Lambda-Runtime-Deadline-Ms header
    function_arn: str
    trace_header: str | None = None
    client_context: str | None = None
    cognito_identity: str | None = None
    dispatched_at: float | None = None
    finished_at: float | None = None
    result: bytes | None = None
    error: dict[str, Any] | None = None
    error_type_header: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def headers(self) -> dict[str, str]:
        headers = {
            "Lambda-Runtime-Aws-Request-Id": self.request_id,
            "Lambda-Runtime-Deadline-Ms": str(self.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.function_arn,
            "Content-Type": "application/json",
        }
        optional = {
            "Lambda-Runtime-Trace-Id": self.trace_header,
            "Lambda-Runtime-Client-Context": self.client_context,
            "Lambda-Runtime-Cognito-Identity": self.cognito_identity,
        }
        headers.update({k: v for k, v in optional.items() if v is not None})
        return headers


class RuntimeApi:
    """One environment's Runtime API. ``on_next`` is called (in a server thread) each time the runtime asks
    for work, before it blocks: the first call marks the end of init."""

    def __init__(self, on_next: Callable[[], None] = lambda: None) -> None:
        self._on_next = on_next
        self._queue: queue.Queue[PendingInvocation | None] = queue.Queue()
        self._in_flight: dict[str, PendingInvocation] = {}
        self._lock = threading.Lock()
        self.init_error: dict[str, Any] | None = None
        self.init_error_reported = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        """``host:port``, the value of ``AWS_LAMBDA_RUNTIME_API``."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def start(self) -> RuntimeApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._queue.put(None)  # releases the runtimes blocked in `next`, one after the other (next_invocation)
        self._server.shutdown()
        self._server.server_close()

    def submit(self, invocation: PendingInvocation) -> None:
        with self._lock:
            self._in_flight[invocation.request_id] = invocation
        self._queue.put(invocation)

    # ------------------------------------------------------------ called by the request handler

    def next_invocation(self) -> PendingInvocation | None:
        self._on_next()
        invocation = self._queue.get()
        if invocation is None:
            self._queue.put(None)  # for the next runtime still waiting
            return None
        invocation.dispatched_at = time.perf_counter()
        return invocation

    def finish(self, request_id: str, body: bytes, error_type: str | None, is_error: bool) -> bool:
        finished_at = time.perf_counter()
        with self._lock:
            invocation = self._in_flight.pop(request_id, None)
        if invocation is None:
            return False
        invocation.finished_at = finished_at
        if is_error:
            invocation.error = _json_or_text(body)
            invocation.error_type_header = error_type
        else:
            invocation.result = body
        invocation.done.set()
        return True

    def forget(self, request_id: str) -> None:
        """Stop waiting for a request's result (it timed out): a late answer to it is refused."""
        with self._lock:
            self._in_flight.pop(request_id, None)

    def report_init_error(self, body: bytes, error_type: str | None) -> bool:
        """Record the environment's init error; False if another runtime of the environment reported first."""
        error = _json_or_text(body)
        error.setdefault("errorType", error_type or "Runtime.Unknown")
        with self._lock:
            if self.init_error is not None:
                return False
            self.init_error = error
        self.init_error_reported.set()
        return True


def _json_or_text(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        return {"errorMessage": body.decode("utf-8", "backslashreplace")}
    return value if isinstance(value, dict) else {"errorMessage": str(value)}


def _handler_class(api: RuntimeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the client reuses one connection, as with Lambda

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without NODELAY, Nagle's algorithm and the client's
            # delayed ACK hold the second one back ~40 ms, and that lands inside the measured duration.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # the environment's log is the function's
            pass

        def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _status(self, status: int, message: str) -> None:
            self._reply(status, json.dumps({"status": message}).encode(), {"Content-Type": "application/json"})

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                self.rfile.readline()
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            if self.path == f"{PREFIX}/invocation/next":
                invocation = api.next_invocation()
                if invocation is None:  # the environment is shutting down
                    self._status(410, "shutting down")
                    return
                self._reply(200, invocation.event, invocation.headers())
            elif self.path == f"{PREFIX}/restore/next":
                self._reply(200)
            else:
                self._status(404, "no such endpoint")

        def do_POST(self) -> None:
            body = self._body()
            error_type = self.headers.get(ERROR_TYPE_HEADER)
            parts = self.path.removeprefix(PREFIX).strip("/").split("/")
            if parts == ["init", "error"]:
                if api.report_init_error(body, error_type):
                    self._status(202, "OK")
                else:
                    self._status(403, "InvalidStateTransition")
            elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                known = api.finish(parts[1], body, error_type, is_error=parts[2] == "error")
                if known:
                    self._status(202, "OK")
                else:
                    self._status(400, "InvalidRequestID")
            else:
                self._status(404, "no such endpoint")

    return Handler
