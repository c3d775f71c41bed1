"""``make serve``: the orders API on 127.0.0.1 as API Gateway's HTTP API and Lambda serve it, no Docker.

    python -m local.serve [--port 0] [--max-idle 300] [--max-environments 4] [--logs]

Starts moto server with what the data stack creates, a UDP listener standing in for the X-Ray daemon, and
an HTTP front that turns each request into an HTTP API payload format 2.0 event (``local.http_gateway``)
for the routes the function declares (``lambda_src/orders/api_routes.py``, the list the CDK construct
reads) and invokes the function through AWS's runtime interface client in execution environments kept
warm between requests (``local.environment_pool``): the first request, one arriving while all are busy,
and one after ``--max-idle`` seconds without traffic start a new environment (a cold start). One access
line per request; Ctrl-C stops everything it started.

    curl -s -X POST localhost:PORT/orders -H 'content-type: application/json' \\
      -d '{"order_id": "o-1", "items": [{"sku": "A-1", "quantity": 2}]}'
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from lambda_kit.local.emulator import MotoServer, provision_service
from lambda_kit.local.environment_pool import EnvironmentPool
from lambda_kit.local.http_gateway import (
    INTEGRATION_TIMEOUT_SECONDS,
    INTERNAL_ERROR,
    MAX_INVOKE_BYTES,
    MAX_REQUEST_BYTES,
    NOT_FOUND,
    TOO_LARGE,
    UNAVAILABLE,
    HttpResponse,
    Router,
    build_event,
    request_id,
    to_http_response,
)
from lambda_kit.local.lambda_process import Invocation, LambdaProcess
from lambda_kit.local.sandbox import lambda_env
from lambda_kit.local.xray_listener import XRayListener
from stacks.function_routes import declared_routes
from stacks.stage_config import DEFAULT_STAGE, build_stage_config


def say(line: str) -> None:
    print(line, flush=True)


class Gateway:
    """Routes a request, invokes the function in a pooled environment, maps the result back to HTTP."""

    def __init__(self, router: Router, pool: EnvironmentPool, show_logs: bool) -> None:
        self.router = router
        self.pool = pool
        self.show_logs = show_logs
        self._invokers = concurrent.futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="invoke")

    def _invoke(self, payload: bytes) -> tuple[Invocation, float | None]:
        environment, cold = self.pool.acquire()
        try:
            return environment.invoke(payload), environment.init_ms if cold else None
        finally:
            self.pool.release(environment)

    def handle(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, client: str, protocol: str
    ) -> tuple[HttpResponse, str, str]:
        """(response, route key or "-", note for the access line)."""
        url = urlsplit(target)
        if len(body) > MAX_REQUEST_BYTES:
            return TOO_LARGE, "-", "payload over the HTTP API limit"
        matched = self.router.match(method, url.path)
        if matched is None:
            return NOT_FOUND, "-", "no route"
        route_key, params = matched
        event = build_event(
            method=method,
            raw_path=url.path,
            raw_query=url.query,
            headers=headers,
            body=body,
            route_key=route_key,
            path_parameters=params,
            source_ip=client,
            protocol=protocol,
            request_id=request_id(),
        )
        payload = json.dumps(event).encode()
        if len(payload) > MAX_INVOKE_BYTES:
            return TOO_LARGE, route_key, "event over Lambda's invocation limit"
        future = self._invokers.submit(self._invoke, payload)
        try:
            invocation, cold_init = future.result(timeout=INTEGRATION_TIMEOUT_SECONDS)
        except concurrent.futures.TimeoutError:
            return UNAVAILABLE, route_key, f"integration timeout ({INTEGRATION_TIMEOUT_SECONDS:.0f} s)"
        note = f"Duration {invocation.duration_ms:.1f} ms" + (
            f", cold start: Init Duration {cold_init:.1f} ms" if cold_init else ""
        )
        if self.show_logs:
            for line in invocation.logs:
                say(f"    {line}")
        if invocation.error:
            return INTERNAL_ERROR, route_key, f"{note}, function error {invocation.error.get('errorType')}"
        return to_http_response(invocation.result), route_key, note

    def stop(self) -> None:
        self._invokers.shutdown(wait=False, cancel_futures=True)


def handler_class(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version, sys_version = "local-http-api", ""

        def log_message(self, format: str, *args: Any) -> None:  # one access line per request, below
            pass

        def _serve(self) -> None:
            started = time.perf_counter()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            response, route, note = gateway.handle(
                self.command, self.path, list(self.headers.items()), body, self.client_address[0], self.request_version
            )
            apigw_id = request_id()
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("apigw-requestid", apigw_id)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            elapsed = (time.perf_counter() - started) * 1000
            say(
                f'{self.client_address[0]} "{self.command} {self.path}" {response.status} {len(response.body)} B'
                f"  route={route}  {elapsed:.1f} ms  ({note})"
            )

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    return Handler


def _stop_on(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one, printed)")
    parser.add_argument("--max-idle", type=float, default=300.0, help="seconds before an idle environment stops")
    parser.add_argument("--max-environments", type=int, default=4, help="concurrent environments (default 4)")
    parser.add_argument("--stage", default=DEFAULT_STAGE, help="stage whose function settings to use (timeout, memory)")
    parser.add_argument("--logs", action="store_true", help="also print the function's log lines")
    args = parser.parse_args(argv)
    stage = build_stage_config(args.stage)
    for stop in (signal.SIGINT, signal.SIGTERM):  # also when started with SIGINT ignored (a background job)
        signal.signal(stop, _stop_on)
    with MotoServer() as moto, XRayListener() as xray:
        function_env = provision_service(moto.endpoint_url)
        env = {
            **lambda_env(moto.endpoint_url, function_env, xray.address),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(stage.memory_mb),
            "TRACING": stage.tracing,  # and with it the stage's dependencies layer (local.lambda_process)
        }

        def new_environment() -> LambdaProcess:
            return LambdaProcess(env, timeout_seconds=stage.timeout_seconds)

        pool = EnvironmentPool(new_environment, args.max_environments, args.max_idle)
        routes = declared_routes("orders")
        gateway = Gateway(Router([(r.method, r.path) for r in routes]), pool, args.logs)
        server = ThreadingHTTPServer((args.host, args.port), handler_class(gateway))
        server.daemon_threads = True
        host, port = server.server_address[:2]
        say(f"moto server: {moto.endpoint_url}   X-Ray daemon (UDP listener): {xray.address}")
        say(
            f"routes: {', '.join(r.key for r in routes)}   (function timeout {stage.timeout_seconds} s, stage {stage.stage})"
        )
        say(f"listening on http://{host!s}:{port}   (Ctrl-C to stop)")
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            gateway.stop()
            pool.stop()
    say("stopped: the front, the function's environments, moto server and the UDP listener")
    return 0


if __name__ == "__main__":
    sys.exit(main())
