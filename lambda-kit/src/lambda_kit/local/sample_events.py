"""The sample events of ``events/`` (real HTTP API payload 2.0 events, sources in events/SOURCES.md), with an order
id of the caller's choosing: what ``make local``, the benchmarks and the operations tools send. Their route keys
come from those files, which tests/unit/runtime/test_routes.py checks against the declaration (orders/api_routes.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[1] / "events"


def load_event(name: str, order_id: str | None = None) -> dict[str, Any]:
    """``events/<name>``; with ``order_id``, the order id in its body or its path set to it."""
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    if order_id is not None and "body" in event:
        body = json.loads(event["body"])
        body["order_id"] = order_id
        event["body"] = json.dumps(body)
    if order_id is not None and "pathParameters" in event:
        event["pathParameters"]["order_id"] = order_id
        # The request path is the route's path with its parameter filled in, as API Gateway matched it.
        path = event["routeKey"].split(" ", 1)[1].replace("{order_id}", order_id)
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
    return event
