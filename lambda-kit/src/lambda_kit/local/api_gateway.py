"""One HTTP API request, as API Gateway handles it, in two steps around the invocation: ``admit`` (the path, the
route, CORS preflight, the stage's throttling, the route's authorization, the event) and ``complete`` (what the
function's invocation, its error, its throttling or the integration timeout becomes). Every setting comes from the
templates through ``AppModel``: routes and integrations (``TimeoutInMillis``), ``AuthorizationType`` and
authorizers, the API's ``CorsConfiguration``, the ``$default`` stage's ``DefaultRouteSettings``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lambda_kit.assembly.app_model import HttpApi, Route
from lambda_kit.assembly.cloud_assembly import AssemblyError
from lambda_kit.local.gateway_auth import Denied, LocalJwks, check_iam
from lambda_kit.local.http_gateway import (
    BAD_REQUEST,
    INTERNAL_ERROR,
    MAX_INVOKE_BYTES,
    NOT_FOUND,
    TOO_LARGE,
    TOO_MANY_REQUESTS,
    UNAVAILABLE,
    Client,
    HttpResponse,
    Router,
    build_event,
    decode_path,
    request_id,
    to_http_response,
    trace_id,
)
from lambda_kit.local.local_lambda import LocalLambda, Result, Target


@dataclass(frozen=True)
class Request:
    method: str
    raw_path: str  # as sent, still percent-encoded
    raw_query: str
    headers: Sequence[tuple[str, str]]
    body: bytes
    client: Client

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name), None)


@dataclass
class Answer:
    response: HttpResponse
    route: str = "-"
    note: str = ""
    request_id: str = field(default_factory=request_id)


@dataclass(frozen=True)
class Pending:
    """An admitted request: the invocation to make, and by when (the integration's timeout)."""

    api: HttpApi
    route: Route
    target: Target
    payload: bytes
    request_id: str
    origin: str | None

    @property
    def timeout_seconds(self) -> float:
        return self.route.timeout_ms / 1000


class TokenBucket:
    """The stage's throttling: ``burst`` tokens, refilled at ``rate`` per second, one per request
    (http-api-throttling.html: "the token bucket algorithm, where a token counts for a request")."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._tokens = float(burst)
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


class ApiGateway:
    def __init__(self, apis: Sequence[HttpApi], functions: LocalLambda, jwks: LocalJwks, throttle: bool = True) -> None:
        self.functions = functions
        self.jwks = jwks
        self._routes: dict[str, tuple[HttpApi, Route]] = {}
        for api in apis:
            for route in api.routes:
                if route.key in self._routes:
                    other = self._routes[route.key][0]
                    raise AssemblyError(
                        f"route {route.key!r} is in two HTTP APIs ({other.label}, {api.label}); one front serves "
                        "every route of the selected stacks: select one of them with --stack"
                    )
                self._routes[route.key] = (api, route)
        self.router = Router([(route.method, route.path) for _, route in self._routes.values()])
        self._buckets = {
            api.label: TokenBucket(*api.throttling) for api in apis if throttle and api.throttling is not None
        }

    def admit(self, request: Request) -> Answer | Pending:
        path = decode_path(request.raw_path)
        if path is None:
            return Answer(BAD_REQUEST, note="a path API Gateway refuses (an escape that is not one)")
        origin = request.header("origin")
        if request.method == "OPTIONS" and origin and request.header("access-control-request-method"):
            preflight = self._preflight(request, path, origin)
            if preflight is not None:
                return Answer(preflight, note="CORS preflight")
        matched = self.router.match(request.method, path)
        if matched is None:
            return Answer(NOT_FOUND, note="no route")
        route_key, params = matched
        api, route = self._routes[route_key]
        bucket = self._buckets.get(api.label)
        if bucket is not None and not bucket.take():
            return Answer(TOO_MANY_REQUESTS, route_key, f"stage throttling ({bucket.rate:g}/s, burst {bucket.burst})")
        try:
            authorizer = self._authorize(route, request)
        except Denied as denied:
            return Answer(denied.response, route_key, f"{route.authorization_type} authorization refused")
        rid = request_id()
        event = build_event(
            method=request.method,
            path=path,
            raw_query=request.raw_query,
            headers=request.headers,
            body=request.body,
            route_key=route_key,
            path_parameters=params,
            client=request.client,
            request_id=rid,
            trace=trace_id(),
            authorizer=authorizer,
        )
        payload = json.dumps(event).encode()
        if len(payload) > MAX_INVOKE_BYTES:
            return Answer(TOO_LARGE, route_key, "event over Lambda's 6 MB invocation limit", rid)
        target = self.functions.target(route.function, route.qualifier)
        return Pending(api, route, target, payload, rid, origin)

    def _authorize(self, route: Route, request: Request) -> dict[str, Any] | None:
        if route.authorization_type == "AWS_IAM":
            target = request.raw_path + (f"?{request.raw_query}" if request.raw_query else "")
            return check_iam(request.method, target, request.headers, request.body, route.function.stack.region)
        if route.authorization_type == "JWT":
            return self.jwks.check(route.authorizer or {}, request.headers, route.authorization_scopes)
        return None

    def _preflight(self, request: Request, path: str, origin: str) -> HttpResponse | None:
        """API Gateway answers a preflight itself when the API has a CorsConfiguration (http-api-cors.html)."""
        # The API whose routes take this path, whatever their method (each API is its own host on AWS).
        api = next(
            (api for api, route in self._routes.values() if Router([("ANY", route.path)]).match("ANY", path)), None
        )
        if api is None or api.cors is None:
            return None
        cors = api.cors
        headers: list[tuple[str, str]] = []
        allowed = _allowed_origin(cors, origin)
        if allowed is not None:
            headers.append(("access-control-allow-origin", allowed))
            for name, key in (("methods", "AllowMethods"), ("headers", "AllowHeaders")):
                if cors.get(key):
                    headers.append((f"access-control-allow-{name}", ",".join(cors[key])))
            if cors.get("AllowCredentials"):
                headers.append(("access-control-allow-credentials", "true"))
            if "MaxAge" in cors:
                headers.append(("access-control-max-age", str(cors["MaxAge"])))
        return HttpResponse(204, headers)

    def complete(self, pending: Pending, result: Result | None, failure: str | None = None, reason: str = "") -> Answer:
        """The answer to an admitted request: ``result``, or ``failure`` ("throttled", "timeout": ``reason``) without
        one."""
        route, rid = pending.route.key, pending.request_id
        if failure == "throttled":
            return Answer(INTERNAL_ERROR, route, f"function throttled: {reason}", rid)
        if failure == "timeout" or result is None:
            return Answer(UNAVAILABLE, route, f"integration timeout ({pending.timeout_seconds:g} s)", rid)
        invocation = result.invocation
        note = f"Duration {invocation.duration_ms:.1f} ms" + (
            f", cold start: Init Duration {result.cold_init_ms:.1f} ms" if result.cold_init_ms else ""
        )
        if invocation.error:
            return Answer(INTERNAL_ERROR, route, f"{note}, function error {invocation.error.get('errorType')}", rid)
        if len(invocation.payload) > MAX_INVOKE_BYTES:
            note += ", function error Function.ResponseSizeTooLarge (over 6 MB)"
            return Answer(INTERNAL_ERROR, route, note, rid)
        response = to_http_response(invocation.result, invocation.payload)
        return Answer(_with_cors(response, pending.api, pending.origin), route, note, rid)


def _allowed_origin(cors: Any, origin: str) -> str | None:
    for allowed in cors.get("AllowOrigins", []):
        if allowed == "*":
            return "*"
        if allowed == origin or (allowed.endswith("*") and origin.startswith(allowed[:-1])):
            return origin
    return None


def _with_cors(response: HttpResponse, api: HttpApi, origin: str | None) -> HttpResponse:
    """An API with a CorsConfiguration: the integration's own CORS headers dropped, the configured ones added to a
    request from an allowed origin (http-api-cors.html)."""
    if api.cors is None:
        return response
    headers = [(k, v) for k, v in response.headers if not k.startswith("access-control-")]
    allowed = _allowed_origin(api.cors, origin) if origin else None
    if allowed is not None:
        headers.append(("access-control-allow-origin", allowed))
        if api.cors.get("ExposeHeaders"):
            headers.append(("access-control-expose-headers", ",".join(api.cors["ExposeHeaders"])))
        if api.cors.get("AllowCredentials"):
            headers.append(("access-control-allow-credentials", "true"))
    return HttpResponse(response.status, headers, response.body)
