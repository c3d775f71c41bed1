"""What API Gateway's HTTP API does between an HTTP request and a Lambda integration (payload format 2.0):
route matching, the event it builds, and the HTTP response it makes of what the function returns.

Follows https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html:
lower-cased headers with repeated ones joined by commas, the Cookie header moved to ``cookies``, query
parameters decoded and repeated ones joined by commas, ``rawPath``/``rawQueryString`` as sent,
``requestContext`` with request id and time, ``$default`` stage. A route's path parameters match one
segment each (``{name+}`` matches the rest). Bodies of text content types (``text/*``, JSON, XML,
JavaScript, form data being binary to API Gateway) are passed as text, others base64-encoded.
Function results: a ``statusCode`` document as such (``cookies`` become ``set-cookie`` headers), any other
JSON value as a 200 ``application/json`` body; a function error is a 500.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from lambda_kit.local.emulator import ACCOUNT_ID

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # HTTP API payload limit
MAX_INVOKE_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation limit, request and response
INTEGRATION_TIMEOUT_SECONDS = 29.0
API_ID = "local"
_TEXT_TYPES = re.compile(r"^(text/.*|application/(json|javascript|xml|[\w.+-]+\+(json|xml)))$")


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def gateway_error(status: int, message: str) -> HttpResponse:
    """API Gateway's own answers (no route, limits, function errors): ``{"message": ...}``."""
    body = json.dumps({"message": message}).encode()
    return HttpResponse(status, [("content-type", "application/json")], body)


NOT_FOUND = gateway_error(404, "Not Found")
TOO_LARGE = gateway_error(413, "Request Entity Too Large")
INTERNAL_ERROR = gateway_error(500, "Internal Server Error")
UNAVAILABLE = gateway_error(503, "Service Unavailable")


@dataclass(frozen=True)
class Router:
    """Route keys (``"GET /orders/{order_id}"``) matched as API Gateway does: literal segments before
    parameters, the most specific route first."""

    routes: Sequence[tuple[str, str]]  # (method, path template)

    def match(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        """(route key, decoded path parameters), or None when no route matches."""
        segments = path.strip("/").split("/") if path.strip("/") else []
        candidates = []
        for route_method, template in self.routes:
            if route_method not in (method, "ANY"):
                continue
            params = _match_segments(template.strip("/").split("/") if template.strip("/") else [], segments)
            if params is not None:
                literal = sum(not part.startswith("{") for part in template.split("/"))
                candidates.append((literal, route_method != "ANY", f"{route_method} {template}", params))
        if not candidates:
            return None
        _, _, key, params = max(candidates, key=lambda c: (c[0], c[1]))
        return key, params


def _match_segments(template: list[str], segments: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for index, part in enumerate(template):
        if part.startswith("{") and part.endswith("+}"):  # greedy: the rest of the path
            rest = segments[index:]
            if not rest:
                return None
            params[part[1:-2]] = unquote("/".join(rest))
            return params
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            if not segments[index]:
                return None
            params[part[1:-1]] = unquote(segments[index])
        elif part != segments[index]:
            return None
    return params if len(template) == len(segments) else None


def request_id() -> str:
    """An id shaped like API Gateway's (``apigw-requestid``)."""
    return base64.b64encode(os.urandom(10)).decode()[:14] + "="


def is_text(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return bool(_TEXT_TYPES.match(media_type))


def build_event(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    route_key: str,
    path_parameters: dict[str, str],
    source_ip: str,
    protocol: str,
    request_id: str,
    now: float | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event for one request."""
    now = time.time() if now is None else now
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    host = merged.get("host", f"{API_ID}.execute-api.localhost")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = merged
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": host,
        "domainPrefix": host.split(".")[0],
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": merged.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if path_parameters:
        event["pathParameters"] = path_parameters
    text = is_text(merged.get("content-type"))
    if body:
        event["body"] = body.decode("utf-8", "replace") if text else base64.b64encode(body).decode()
    event["isBase64Encoded"] = bool(body) and not text
    return event


def to_http_response(result: Any) -> HttpResponse:
    """The HTTP response API Gateway makes of a function's result (payload format 2.0)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return HttpResponse(200, [("content-type", "application/json")], json.dumps(result).encode())
    try:
        status = int(result["statusCode"])
        headers = [(str(k).lower(), str(v)) for k, v in (result.get("headers") or {}).items()]
        headers += [("set-cookie", str(cookie)) for cookie in result.get("cookies") or []]
        body = result.get("body")
        if body is None:
            raw = b""
        elif result.get("isBase64Encoded"):
            raw = base64.b64decode(str(body))
        else:
            raw = str(body).encode("utf-8")
    except (TypeError, ValueError, AttributeError):  # a malformed response is API Gateway's 500
        return INTERNAL_ERROR
    if not 100 <= status <= 599:
        return INTERNAL_ERROR
    return HttpResponse(status, headers, raw)
