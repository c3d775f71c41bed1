"""API Gateway HTTP API (payload format 2.0) responses: always a JSON body with its content-type.

The body is ASCII JSON (non-ASCII characters as ``\\uXXXX`` escapes): whatever a message carries, the
runtime can encode it. Lambda's Python 3.12+ runtime encodes responses to UTF-8 and exits if it cannot.
"""

from __future__ import annotations

import json
from typing import Any

JSON_HEADERS = {"content-type": "application/json"}


def json_response(status_code: int, body: Any) -> dict[str, Any]:
    return {
        "statusCode": status_code,
        "headers": dict(JSON_HEADERS),
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def error_response(status_code: int, message: str) -> dict[str, Any]:
    return json_response(status_code, {"error": message})
