"""The ASGI application ``lambda-kit serve`` runs under uvicorn (``front_server``): the request's limits, its body
read whole, then either Lambda's Invoke API (``invoke_api``) or an HTTP API request (``api_gateway``); the function
invoked in a worker thread (awslambdaric's Runtime API is blocking), bounded by the route's integration timeout; the
answer sent with the headers API Gateway adds; one access line per request.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from lambda_kit.assembly.cloud_assembly import AssemblyError
from lambda_kit.local import invoke_api
from lambda_kit.local.api_gateway import Answer, ApiGateway, Pending, Request
from lambda_kit.local.environment_pool import Throttled
from lambda_kit.local.http_gateway import (
    HEAD_TOO_LARGE,
    INTERNAL_ERROR,
    MAX_HEAD_BYTES,
    MAX_REQUEST_BYTES,
    TOO_LARGE,
    Client,
    HttpResponse,
    gateway_error,
)
from lambda_kit.local.local_lambda import LocalLambda, Result
from lambda_kit.local.provision import ProvisionError

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
REQUEST_TIMEOUT = gateway_error(408, "Request Timeout")
# What the kit cannot do for a function (an environment variable it cannot resolve, say): named, not a traceback.
KIT_ERRORS = (AssemblyError, ProvisionError)


class Disconnected(Exception):
    """The client went away before its body was complete: nothing is invoked, nothing answered."""


def head_size(method: str, target: bytes, http_version: str, headers: Sequence[tuple[bytes, bytes]]) -> int:
    """What API Gateway's quota counts: the request line and the header values (http-api-quotas.html)."""
    return len(method) + len(target) + len(f"  HTTP/{http_version}") + sum(len(value) for _, value in headers)


class Front:
    def __init__(
        self, gateway: ApiGateway, functions: LocalLambda, idle_timeout: float, say: Callable[[str], None], logs: bool
    ) -> None:
        self.gateway = gateway
        self.functions = functions
        self.idle_timeout = idle_timeout
        self._say = say
        self._logs = logs
        self._workers = concurrent.futures.ThreadPoolExecutor(max_workers=256, thread_name_prefix="invoke")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        method, raw_path = scope["method"], scope["raw_path"].decode("latin-1")
        raw_query = scope["query_string"].decode("latin-1")
        target = raw_path + (f"?{raw_query}" if raw_query else "")
        try:
            answer, close = await self._answer(scope, receive, method, raw_path, raw_query)
        except Disconnected:
            self._access(
                scope, method, target, None, "-", "client closed the connection before its body ended", started
            )
            return
        response = answer.response
        headers = [*response.headers, ("content-length", str(len(response.body)))]
        if answer.request_id:
            headers.append(("apigw-requestid", answer.request_id))
        headers.append(("connection", "close" if close else "keep-alive"))
        raw_headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
        await send({"type": "http.response.start", "status": response.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else response.body})
        self._access(scope, method, target, response, answer.route, answer.note, started)

    def _access(
        self,
        scope: Scope,
        method: str,
        target: str,
        response: HttpResponse | None,
        route: str,
        note: str,
        started: float,
    ) -> None:
        status, size = (response.status, len(response.body)) if response else ("-", 0)
        elapsed = (time.perf_counter() - started) * 1000
        client = (scope.get("client") or ("-",))[0]
        self._say(f'{client} "{method} {target}" {status} {size} B  route={route}  {elapsed:.1f} ms  ({note})')

    async def _answer(
        self, scope: Scope, receive: Receive, method: str, raw_path: str, raw_query: str
    ) -> tuple[Answer, bool]:
        """(answer, close the connection after it)."""
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        target = scope["raw_path"] + (b"?" + scope["query_string"] if scope["query_string"] else b"")
        if head_size(method, target, scope["http_version"], headers) > MAX_HEAD_BYTES:
            return Answer(HEAD_TOO_LARGE, note="request line + headers over 10,240 bytes"), True
        declared = next((value for name, value in headers if name == b"content-length"), None)
        if declared is not None and int(declared) > MAX_REQUEST_BYTES:  # h11 has checked it is a number
            return Answer(TOO_LARGE, note="body over 10 MB (Content-Length), not read"), True
        try:
            body = await self._body(receive)
        except TimeoutError:
            return Answer(REQUEST_TIMEOUT, note=f"body stalled for {self.idle_timeout:g} s, nothing invoked"), True
        if body is None:
            return Answer(TOO_LARGE, note="body over 10 MB, reading stopped"), True
        text_headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers]
        if invoke_api.is_invoke(method, raw_path):
            return await self._invoke(raw_path, raw_query, dict(text_headers), body), False
        port = (scope.get("server") or ("127.0.0.1", 0))[1]
        client = Client(
            (scope.get("client") or ("127.0.0.1",))[0], port, scope["scheme"], f"HTTP/{scope['http_version']}"
        )
        admitted = self.gateway.admit(Request(method, raw_path, raw_query, text_headers, body, client))
        if isinstance(admitted, Answer):
            return admitted, False
        return await self._integrate(admitted), False

    async def _body(self, receive: Receive) -> bytes | None:
        """The whole body (chunked or not), or None past 10 MB; ``Disconnected`` if the client leaves first."""
        body = bytearray()
        while True:
            message = await asyncio.wait_for(receive(), self.idle_timeout)
            if message["type"] == "http.disconnect":
                raise Disconnected
            body += message.get("body", b"")
            if len(body) > MAX_REQUEST_BYTES:
                return None
            if not message.get("more_body"):
                return bytes(body)

    async def _run(self, call: Callable[[], Result]) -> Result:
        return await asyncio.get_running_loop().run_in_executor(self._workers, call)

    async def _integrate(self, pending: Pending) -> Answer:
        call = self._run(lambda: self.functions.invoke(pending.target, pending.payload))
        try:
            result = await asyncio.wait_for(call, pending.timeout_seconds)
        except Throttled as throttled:
            return self.gateway.complete(pending, None, "throttled", str(throttled))
        except TimeoutError:
            return self.gateway.complete(pending, None, "timeout")
        except KIT_ERRORS as error:
            self._say(f"    lambda-kit cannot run {pending.route.function.label}: {error}")
            return Answer(INTERNAL_ERROR, pending.route.key, "the kit could not start the function", pending.request_id)
        self._show(result)
        return self.gateway.complete(pending, result)

    async def _invoke(self, raw_path: str, raw_query: str, headers: dict[str, str], body: bytes) -> Answer:
        parsed = invoke_api.parse(raw_path, raw_query, headers, body, self.functions.find)
        if isinstance(parsed, HttpResponse):
            return Answer(parsed, "invoke", "Lambda refused the invocation", request_id="")
        route = f"invoke {parsed.target.invoked_arn.rsplit(':function:', 1)[1]} ({parsed.target.version})"
        if parsed.invocation_type == "DryRun":
            return Answer(HttpResponse(204), route, "DryRun", request_id="")
        call = lambda: self.functions.invoke(parsed.target, parsed.payload, parsed.client_context)  # noqa: E731
        if parsed.invocation_type == "Event":  # Lambda queues it and answers at once
            self._workers.submit(call)
            return Answer(HttpResponse(202), route, "Event: invoked in the background", request_id="")
        try:
            result = await self._run(call)
        except Throttled as throttled:
            return Answer(invoke_api.throttled(), route, f"function throttled: {throttled}", request_id="")
        except KIT_ERRORS as failed:
            self._say(f"    lambda-kit cannot run {route}: {failed}")
            failure = invoke_api.lambda_error(500, "ServiceException", f"lambda-kit: {failed}")
            return Answer(failure, route, "the kit could not start the function", request_id="")
        self._show(result)
        error = result.invocation.error
        note = f"Duration {result.invocation.duration_ms:.1f} ms" + (
            f", function error {error.get('errorType')}" if error else ""
        )
        return Answer(invoke_api.respond(parsed, result), route, note, request_id="")

    def _show(self, result: Result) -> None:
        """The function's log lines with --logs; an init error's always: it is what the developer must see."""
        if self._logs or result.init_failed:
            for line in result.invocation.logs:
                self._say(f"    {line}")

    def stop(self) -> None:
        self._workers.shutdown(wait=False, cancel_futures=True)
