"""Sample events of a project (``[tool.lambda-kit] events``: real HTTP API payload 2.0 events, say) with a request
field given a value of the caller's choosing: what ``lambda-kit local``, the benchmarks and the deployed-stage tools
send. The field (``[tool.lambda-kit] id-field``, e.g. ``order_id``) is set where the event carries it: in the JSON
body, and as a path parameter, the request path then rebuilt from the route key as API Gateway matched it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def load_event(path: Path, field: str | None = None, value: str | None = None) -> dict[str, Any]:
    """The event in ``path``; with ``field`` and ``value``, that field set to ``value`` wherever it appears."""
    event: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if field is None or value is None:
        return event
    if isinstance(event.get("body"), str) and not event.get("isBase64Encoded"):
        try:
            body = json.loads(event["body"])
        except ValueError:
            body = None
        if isinstance(body, dict) and field in body:
            body[field] = value
            event["body"] = json.dumps(body)
    parameters = event.get("pathParameters")
    if isinstance(parameters, dict) and field in parameters:
        parameters[field] = value
        route_key = str(event.get("routeKey", ""))
        if " " in route_key:
            path_ = route_key.split(" ", 1)[1].replace("{" + field + "}", value)
            event["rawPath"] = path_
            event.setdefault("requestContext", {}).setdefault("http", {})["path"] = path_
    return event
