"""The HTTP server under ``lambda-kit serve``: uvicorn with its h11 protocol, and what it is configured to enforce.

Why uvicorn (with h11): a maintained ASGI server (monthly releases, the most used one on PyPI) over h11, a
pure-Python HTTP/1.1 parser that frames requests strictly: chunked bodies are read whole, a malformed
``Content-Length`` (``abc``, ``-5``) or a request it cannot frame is a 400 before any application code runs, and a
client that goes away mid-body is an ``http.disconnect``, never a short body. httptools (uvicorn's other parser)
has no bound on the request head; hypercorn has more timeouts built in but a far smaller user base and slower
releases. What uvicorn does not enforce, a named layer here or in the app (``lambda_kit.local.front``) does:

| limit | layer |
|---|---|
| listen backlog 2,048 (>= 1,024) | uvicorn ``backlog`` (``loop.create_server``) |
| a request head still incomplete beyond 10,240 bytes is refused (400) | h11 ``max_incomplete_event_size`` |
| request line + header values <= 10,240 bytes (431) | app: ``front.head_size`` |
| body <= 10 MB, refused before it is read (413) | app: ``Content-Length``, then counted while reading |
| an idle connection, or one whose request head stalls, is closed | ``GatewayProtocol`` (below): ``--idle-timeout`` |
| keep-alive between requests | uvicorn ``timeout_keep_alive`` (the same ``--idle-timeout``) |
| a body that stalls (408, nothing invoked) | app: each read bounded by ``--idle-timeout`` |
| integration timeout (``TimeoutInMillis``, 30,000 when absent) -> 503 | app: ``asyncio.wait_for`` on the invocation |
| Lambda's 6 MB event and response | ``api_gateway`` / ``invoke_api`` |
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from lambda_kit.local.http_gateway import MAX_HEAD_BYTES

BACKLOG = 2048


class GatewayProtocol(H11Protocol):
    """uvicorn's h11 protocol with the idle timeout uvicorn lacks: it arms its keep-alive timer only after a
    response and drops it on any byte received, so a connection that sends nothing, or half a request head, is held
    for ever. Here a connection that has not completed a request head within the idle timeout of opening (or of its
    last response) is closed."""

    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.timeout_keep_alive, self._head_overdue, self.cycle)

    def _head_overdue(self, cycle: Any) -> None:
        # The same cycle as when armed: no request head has arrived since (a new one starts a new cycle).
        waiting = cycle is None or cycle.response_complete  # uvicorn types it as never None; it is, before a request
        if self.cycle is cycle and waiting and not self.transport.is_closing():
            self.transport.close()


def listening_socket(host: str, port: int) -> socket.socket:
    """Bound before the server starts, so ``serve`` can print the port it got (``--port 0``)."""
    sock = socket.create_server((host, port), backlog=BACKLOG, reuse_port=False)
    sock.set_inheritable(True)
    return sock


def server(app: Any, idle_timeout: float) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        http=GatewayProtocol,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        backlog=BACKLOG,
        timeout_keep_alive=idle_timeout,  # type: ignore[arg-type]  # uvicorn takes any number of seconds
        timeout_graceful_shutdown=5,
        lifespan="off",
        access_log=False,
        server_header=False,  # API Gateway sends no Server header
        proxy_headers=False,  # the client's X-Forwarded-For is passed on, not taken for its address
        log_config=None,
        log_level="warning",
        ws="none",
    )
    return uvicorn.Server(config)
