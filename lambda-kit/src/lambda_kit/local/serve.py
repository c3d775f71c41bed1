"""``lambda-kit serve``: a synthesized app's HTTP APIs on 127.0.0.1 as API Gateway and Lambda serve them, no Docker.

    lambda-kit serve [--assembly cdk.out] [--stack PATTERN ...] [--port 0] [--max-idle 300]
                     [--max-environments 4] [--logs]

Reads the cloud assembly (``lambda_kit.local.local_app``): starts moto server with the resources the functions'
environments name, a UDP listener standing in for the X-Ray daemon, and an HTTP front that turns each request
into an HTTP API payload format 2.0 event (``http_gateway``) for the routes of the templates' HTTP APIs, and
invokes the function each route integrates, from its synthesized code and layer assets, through AWS's runtime
interface client in execution environments kept warm between requests (``environment_pool``): the first
request, one arriving while all are busy, and one after ``--max-idle`` seconds without traffic start a new
environment (a cold start). One access line per request; Ctrl-C stops everything it started.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import json
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from lambda_kit import config as kit_config
from lambda_kit.assembly.app_model import Route
from lambda_kit.assembly.cloud_assembly import AssemblyError, add_selection_args
from lambda_kit.local.environment_pool import EnvironmentPool
from lambda_kit.local.http_gateway import (
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
from lambda_kit.local.lambda_process import InitError, Invocation
from lambda_kit.local.local_app import LocalApp
from lambda_kit.local.provision import ProvisionError


def say(line: str) -> None:
    print(line, flush=True)


class Gateway:
    """Routes a request, invokes the function in a pooled environment, maps the result back to HTTP."""

    def __init__(self, routes: dict[str, tuple[Route, EnvironmentPool]], show_logs: bool) -> None:
        self.routes = routes
        self.router = Router([(route.method, route.path) for route, _ in routes.values()])
        self.show_logs = show_logs
        self._invokers = concurrent.futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="invoke")

    def _invoke(self, pool: EnvironmentPool, payload: bytes) -> tuple[Invocation, float | None]:
        try:
            environment, cold = pool.acquire()
        except InitError as failed:
            # Lambda answers the invocation with the init error (API Gateway: a 500) and logs why: print it
            # whatever --logs says, it is what the developer must see.
            for line in failed.logs:
                say(f"    {line}")
            return Invocation(request_id="-", trace_id=None, duration_ms=0.0, error=failed.error), failed.init_ms
        try:
            return environment.invoke(payload), environment.init_ms if cold else None
        finally:
            pool.release(environment)

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
        route, pool = self.routes[route_key]
        future = self._invokers.submit(self._invoke, pool, payload)
        try:
            invocation, cold_init = future.result(timeout=route.timeout_ms / 1000)
        except concurrent.futures.TimeoutError:
            return UNAVAILABLE, route_key, f"integration timeout ({route.timeout_ms / 1000:.0f} s)"
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
    parser = argparse.ArgumentParser(prog="lambda-kit serve", description=__doc__.split("\n\n")[0])
    add_selection_args(parser, "serve")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one, printed)")
    parser.add_argument("--max-idle", type=float, default=300.0, help="seconds before an idle environment stops")
    parser.add_argument(
        "--max-environments", type=int, default=4, help="concurrent environments per function (default 4)"
    )
    parser.add_argument("--logs", action="store_true", help="also print the function's log lines")
    args = parser.parse_args(argv)
    for stop in (signal.SIGINT, signal.SIGTERM):  # also when started with SIGINT ignored (a background job)
        signal.signal(stop, _stop_on)
    try:
        local = LocalApp(args.assembly, kit_config.stack_patterns(args.stage, args.stack))
        routes = [route for api in local.model.apis for route in api.routes]
        if not routes:
            raise AssemblyError(f"{args.assembly}: the selected stacks have no HTTP API routes to serve")
        with local:
            return _serve(local, routes, args)
    except (AssemblyError, ProvisionError, kit_config.ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _serve(local: LocalApp, routes: list[Route], args: argparse.Namespace) -> int:
    pools: dict[tuple[str, str], EnvironmentPool] = {}
    served: dict[str, tuple[Route, EnvironmentPool]] = {}
    for route in routes:
        key = (route.function.stack.name, route.function.logical_id)
        if key not in pools:
            config = local.config(route.function)
            pools[key] = EnvironmentPool(
                functools.partial(local.environment, route.function, config),
                args.max_environments,
                args.max_idle,
            )
        served[route.key] = (route, pools[key])
    gateway = Gateway(served, args.logs)
    server = ThreadingHTTPServer((args.host, args.port), handler_class(gateway))
    server.daemon_threads = True
    host, port = server.server_address[:2]
    say(f"moto server: {local.moto.endpoint_url}   X-Ray daemon (UDP listener): {local.xray.address}")
    for line in local.provisioned.created if local.provisioned else ():
        say(f"created {line}")
    for route in routes:
        config = local.config(route.function)
        say(
            f"route {route.key} -> {route.function.label} ({config.handler}, {config.memory_mb} MB, "
            f"timeout {config.timeout_seconds} s)"
        )
    say(f"listening on http://{host!s}:{port}   (Ctrl-C to stop)")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        gateway.stop()
        for pool in pools.values():
            pool.stop()
    say("stopped: the front, the functions' environments, moto server and the UDP listener")
    return 0


if __name__ == "__main__":
    sys.exit(main())
