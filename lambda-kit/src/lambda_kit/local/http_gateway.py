"""What API Gateway's HTTP API does between an HTTP request and a Lambda integration (payload format 2.0): the
path as it decodes it, route selection, the event it builds, and the HTTP response it makes of what the function
returns. Every row of lambda-kit/docs/http-api.md that is a pure function of the request lives here.

Follows https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html:
lower-cased headers with repeated ones joined by commas, the Cookie header moved to ``cookies``, query
parameters decoded and repeated ones joined by commas, ``rawQueryString`` as sent, ``requestContext`` with
request id and time, ``$default`` stage. Bodies of text content types (``text/*``, JSON, XML, JavaScript; form
data being binary to API Gateway) are passed as text, others base64-encoded. The path is decoded as a live HTTP
API decodes it (``decode_path``), and routes match that decoded path.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from lambda_kit.local.emulator import ACCOUNT_ID

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # HTTP API payload limit (http-api-quotas)
MAX_HEAD_BYTES = 10_240  # request line + header values (http-api-quotas)
MAX_INVOKE_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation limit, request and response
API_ID = "local"
DEFAULT_ROUTE = "$default"
_TEXT_TYPES = re.compile(r"^(text/.*|application/(json|javascript|xml|[\w.+-]+\+(json|xml)))$")
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def gateway_error(status: int, message: str, *headers: tuple[str, str]) -> HttpResponse:
    """API Gateway's own answers: ``{"message":"..."}``, compact (``{"message":"Not Found"}`` is 23 bytes)."""
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return HttpResponse(status, list(headers) or [("content-type", "application/json")], body)


BAD_REQUEST = gateway_error(400, "Bad Request")
FORBIDDEN = gateway_error(403, "Forbidden")
NOT_FOUND = gateway_error(404, "Not Found")
TOO_LARGE = gateway_error(413, "Request Entity Too Large")
HEAD_TOO_LARGE = gateway_error(431, "Request Header Fields Too Large")
TOO_MANY_REQUESTS = gateway_error(429, "Too Many Requests")
INTERNAL_ERROR = gateway_error(500, "Internal Server Error")
UNAVAILABLE = gateway_error(503, "Service Unavailable")


def decode_path(raw_path: str) -> str | None:
    """The path as a live HTTP API passes it on, or None where it refuses the request (a 400).

    From requests recorded against a deployed HTTP API (hotsock/voker, vokerhttp/testdata/ingress-paths.json,
    commit a1c00bf491e026f81917cc2edfdaca03eabc7518): the path is decoded once, cut at a ``?`` that decoding
    produced, then decoded again (``%252F`` arrives as ``/``); an escape that is not one after the first pass
    (``%25do`` -> ``%do``) is refused."""
    try:
        once = unquote(raw_path, errors="strict").partition("?")[0]
        return None if _ESCAPE.search(once) else unquote(once, errors="strict")
    except UnicodeDecodeError:  # escapes that are not UTF-8
        return None


@dataclass(frozen=True)
class Router:
    """Route keys (``"GET /orders/{order_id}"``, ``"ANY /proxy/{proxy+}"``, ``"$default"``) chosen as API Gateway
    chooses (http-api-develop-routes, "Routing API requests"): a full match of path and method first, then a
    greedy path variable, then ``$default``; literal segments before parameters, a method before ``ANY``. A
    trailing slash is a segment of its own: ``/items/x/`` is not ``/items/{id}``."""

    routes: Sequence[tuple[str, str]]  # (method, path template); ("ANY", "$default") for the catch-all

    def match(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        """(route key, path parameters), or None when no route matches."""
        segments = path.split("/")[1:]
        candidates = []
        for route_method, template in self.routes:
            if template == DEFAULT_ROUTE or route_method not in (method, "ANY"):
                continue
            parts = template.split("/")[1:]
            params = _match_segments(parts, segments)
            if params is not None:
                greedy = parts[-1].endswith("+}")
                literal = sum(not part.startswith("{") for part in parts)
                key = (not greedy, literal, route_method != "ANY")
                candidates.append((key, f"{route_method} {template}", params))
        if candidates:
            _, route_key, params = max(candidates, key=lambda c: c[0])
            return route_key, params
        if any(template == DEFAULT_ROUTE for _, template in self.routes):
            return DEFAULT_ROUTE, {}
        return None


def _match_segments(template: list[str], segments: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for index, part in enumerate(template):
        if part.startswith("{") and part.endswith("+}"):  # greedy: the rest of the path, at least one segment
            rest = "/".join(segments[index:])
            if not rest:
                return None
            params[part[1:-2]] = rest
            return params
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            if not segments[index]:
                return None
            params[part[1:-1]] = segments[index]
        elif part != segments[index]:
            return None
    return params if len(template) == len(segments) else None


def request_id() -> str:
    """An id shaped like API Gateway's (``apigw-requestid``, ``requestContext.requestId``)."""
    return base64.b64encode(os.urandom(10)).decode()[:14] + "="


def trace_id(now: float | None = None) -> str:
    """An X-Ray trace id as API Gateway sends it in ``x-amzn-trace-id`` (``Root=1-<time>-<24 hex>``)."""
    return f"Root=1-{int(time.time() if now is None else now):08x}-{uuid.uuid4().hex[:24]}"


def is_text(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return bool(_TEXT_TYPES.match(media_type))


@dataclass(frozen=True)
class Client:
    """The connection a request came on: what API Gateway writes into ``x-forwarded-*`` and ``sourceIp``."""

    ip: str
    port: int  # the port the client connected to (443 on AWS)
    scheme: str = "http"
    protocol: str = "HTTP/1.1"


def build_event(
    *,
    method: str,
    path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    route_key: str,
    path_parameters: dict[str, str],
    client: Client,
    request_id: str,
    trace: str,
    authorizer: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event for one request (``path`` as ``decode_path`` gives it)."""
    now = time.time() if now is None else now
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    # What API Gateway adds (recorded events: hotsock/voker vokerhttp/testdata/apigwv2-request.json).
    forwarded = merged.get("x-forwarded-for")
    merged["x-forwarded-for"] = f"{forwarded}, {client.ip}" if forwarded else client.ip
    merged["x-forwarded-port"] = str(client.port)
    merged["x-forwarded-proto"] = client.scheme
    merged["x-amzn-trace-id"] = trace
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    host = merged.get("host", f"{API_ID}.execute-api.localhost")
    event: dict[str, Any] = {"version": "2.0", "routeKey": route_key, "rawPath": path, "rawQueryString": raw_query}
    if cookies:
        event["cookies"] = cookies
    event["headers"] = merged
    if query:
        event["queryStringParameters"] = query
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": host,
        "domainPrefix": host.split(".")[0],
        "http": {
            "method": method,
            "path": path,
            "protocol": client.protocol,
            "sourceIp": client.ip,
            "userAgent": merged.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if authorizer:
        context["authorizer"] = dict(authorizer)
    event["requestContext"] = context
    if path_parameters:
        event["pathParameters"] = path_parameters
    text = is_text(merged.get("content-type"))
    if body:
        event["body"] = body.decode("utf-8", "replace") if text else base64.b64encode(body).decode()
    event["isBase64Encoded"] = bool(body) and not text
    return event


def to_http_response(result: Any, payload: bytes) -> HttpResponse:
    """The HTTP response API Gateway makes of a function's result (payload format 2.0): a document with
    ``statusCode`` as such (``cookies`` become ``set-cookie`` headers; 2.0 has no ``multiValueHeaders``, so they are
    dropped); anything else is a 200 ``application/json`` whose body is what the function returned: a string
    itself, any other JSON value as the runtime serialized it (``payload``)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        returned = result.encode() if isinstance(result, str) else payload
        return HttpResponse(200, [("content-type", "application/json")], returned)
    try:
        status = int(result["statusCode"])
        headers = [(str(k).lower(), str(v)) for k, v in (result.get("headers") or {}).items()]
        headers += [("set-cookie", str(cookie)) for cookie in result.get("cookies") or []]
        body = result.get("body")
        if body is None:
            raw = b""
        elif result.get("isBase64Encoded"):
            raw = base64.b64decode(str(body), validate=True)
        else:
            raw = str(body).encode("utf-8")
    except (TypeError, ValueError, AttributeError):  # a malformed response is API Gateway's 500
        return INTERNAL_ERROR
    if not 100 <= status <= 599:
        return INTERNAL_ERROR
    return HttpResponse(status, headers, raw)
