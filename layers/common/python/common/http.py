"""Reading API Gateway HTTP API (payload format 2.0) events; direct invokes send the same shape.

Every problem with the request becomes a ``RequestError`` carrying the 4xx status and a message that
names the offending field, so a caller can fix its request and nothing else has to guess.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

MAX_BODY_BYTES = 64 * 1024


class RequestError(Exception):
    """The client's mistake: answered with ``status_code`` and ``{"error": message}``."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN/Infinity, which are not JSON (RFC 8259) and which DynamoDB rejects.
    raise ValueError(f"{name} is not valid JSON")


def route_key(event: Any) -> str | None:
    """``"POST /orders"``-style key of the matched route, or None for anything else."""
    if not isinstance(event, dict):
        return None
    key = event.get("routeKey")
    return key if isinstance(key, str) else None


def path_parameter(event: dict[str, Any], name: str) -> Any:
    params = event.get("pathParameters")
    return params.get(name) if isinstance(params, dict) else None


def _body_bytes(event: dict[str, Any], max_bytes: int) -> bytes:
    body = event.get("body")
    if body is None or body == "":
        raise RequestError(400, "body: required")
    if not isinstance(body, str):
        raise RequestError(400, "body: must be a string")
    encoded = event.get("isBase64Encoded", False)
    if not isinstance(encoded, bool):
        raise RequestError(400, "isBase64Encoded: must be a boolean")
    if encoded:
        # Base64 is 4 characters per 3 bytes: a longer text cannot decode within the limit.
        if len(body) > 4 * (max_bytes // 3 + 1):
            raise RequestError(413, f"body: larger than {max_bytes} bytes")
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise RequestError(400, "body: not valid base64") from None
    else:
        # surrogatepass: a direct invoke may carry lone surrogates; they are measured, then rejected
        # below as not valid UTF-8 instead of raising UnicodeEncodeError.
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > max_bytes:
        raise RequestError(413, f"body: larger than {max_bytes} bytes")
    return raw


def json_body(event: dict[str, Any], max_bytes: int = MAX_BODY_BYTES) -> Any:
    """The decoded JSON body (base64 decoded first when API Gateway says so); 400/413 otherwise."""
    raw = _body_bytes(event, max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError(400, "body: not valid UTF-8") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # RecursionError: pathologically deep nesting
        raise RequestError(400, "body: not valid JSON") from None
