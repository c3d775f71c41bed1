"""Reading API Gateway HTTP API (payload format 2.0) events; direct invokes send the same shape.

Every problem with the request becomes a ``RequestError`` carrying the 4xx status and a message that
names the offending field, so a caller can fix its request and nothing else has to guess.

A body is accepted only if everything in it can be answered and logged: JSON may carry lone UTF-16
surrogates (``"\\ud83d"``, what JavaScript's ``JSON.stringify`` writes for a cut-off emoji) and integers
longer than Python converts (4,300 digits). Neither is valid Unicode text or a usable number; echoed into
a message, a surrogate made Lambda's Python runtime fail to encode the response and exit. Both are
rejected here, at the boundary, with a message that names the field and never repeats the character.
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
from typing import Any

MAX_BODY_BYTES = 64 * 1024
_INT_DIGITS_LIMIT = sys.get_int_max_str_digits() or sys.maxsize  # 0: no limit


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
        # surrogatepass: the event may carry lone surrogates in the body string; they are measured, then
        # rejected with the other undecodable bodies instead of raising UnicodeEncodeError.
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > max_bytes:
        raise RequestError(413, f"body: larger than {max_bytes} bytes")
    return raw


class _HugeInteger:
    """A JSON integer with more digits than ``int()`` converts (``sys.get_int_max_str_digits()``)."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _parse_int(text: str) -> int | _HugeInteger:
    try:
        return int(text)
    except ValueError:  # valid JSON, too long for int(): reported with its field below
        return _HugeInteger(len(text.lstrip("-")))


def _surrogate_problem(text: str) -> str | None:
    if text.isascii():
        return None
    try:
        text.encode("utf-8")  # fails exactly on a lone surrogate (no regex: it would cost init time)
    except UnicodeEncodeError as exc:
        return f"contains a lone surrogate U+{ord(text[exc.start]):04X}, which is not valid Unicode"
    return None


def _unusable_value(document: Any) -> str | None:
    """``"<field>: <problem>"`` for the first lone surrogate or too-large integer, in document order."""
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:  # iterative: the document may be nested as deeply as the parser allows
        node, path = stack.pop()
        if isinstance(node, str):
            problem = _surrogate_problem(node)
            if problem:
                return f"{path or 'body'}: {problem}"
        elif isinstance(node, _HugeInteger):
            return f"{path or 'body'}: integer with {node.digits} digits is too large"
        elif isinstance(node, dict):
            children = []
            for key, child in node.items():
                problem = _surrogate_problem(key)
                if problem:
                    return f"{path or 'body'}: an object key {problem}"
                children.append((child, f"{path}.{key}" if path else key))
            stack.extend(reversed(children))
        elif isinstance(node, list):
            stack.extend(reversed([(child, f"{path or 'body'}[{i}]") for i, child in enumerate(node)]))
    return None


def _undecodable(raw: bytes, error: UnicodeDecodeError) -> str:
    head = raw[error.start : error.start + 3]
    # A surrogate encoded as if it were a character (ED A0..BF xx): a lone surrogate in a raw body string.
    if len(head) == 3 and head[0] == 0xED and 0xA0 <= head[1] <= 0xBF:
        code_point = 0xD000 | (head[1] & 0x3F) << 6 | (head[2] & 0x3F)
        return f"body: contains a lone surrogate U+{code_point:04X}, which is not valid Unicode"
    return "body: not valid UTF-8"


def json_body(event: dict[str, Any], max_bytes: int = MAX_BODY_BYTES) -> Any:
    """The decoded JSON body (base64 decoded first when API Gateway says so); 400/413 otherwise."""
    raw = _body_bytes(event, max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(400, _undecodable(raw, exc)) from None
    if text.startswith("\ufeff"):
        raise RequestError(400, "body: starts with a byte order mark (BOM); send the JSON without it")
    # Only a text this long can hold an integer int() refuses, and only a \u escape can make a lone
    # surrogate (a raw one failed to decode above): the common body skips the extra work.
    may_hold_huge_integer = len(text) > _INT_DIGITS_LIMIT
    try:
        document = json.loads(
            text, parse_constant=_reject_constant, parse_int=_parse_int if may_hold_huge_integer else None
        )
    except RecursionError:
        raise RequestError(400, "body: nested too deeply") from None
    except ValueError:
        raise RequestError(400, "body: not valid JSON") from None
    problem = _unusable_value(document) if may_hold_huge_integer or "\\u" in text else None
    if problem:
        raise RequestError(400, problem)
    return document
