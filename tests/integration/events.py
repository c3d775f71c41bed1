"""API Gateway HTTP API payload-format-2.0 events for the tests (the same shape as events/*.json)."""

from __future__ import annotations

import base64
import json
from typing import Any


def post(body: Any, *, raw: bool = False, base64_encoded: bool = False) -> dict[str, Any]:
    text = body if raw else json.dumps(body)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "POST /orders",
        "rawPath": "/orders",
        "headers": {"content-type": "application/json"},
        "requestContext": {"http": {"method": "POST", "path": "/orders"}},
        "isBase64Encoded": base64_encoded,
    }
    if text is not None:
        event["body"] = base64.b64encode(text.encode()).decode() if base64_encoded else text
    return event


def get(order_id: Any) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "GET /orders/{order_id}",
        "rawPath": f"/orders/{order_id}",
        "pathParameters": {"order_id": order_id},
        "requestContext": {"http": {"method": "GET", "path": f"/orders/{order_id}"}},
        "isBase64Encoded": False,
    }


def order(order_id: str = "o-1", *quantities: int) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "items": [{"sku": f"SKU-{i}", "quantity": q} for i, q in enumerate(quantities or (2, 3))],
    }


def body_of(response: dict[str, Any]) -> Any:
    assert response["headers"]["content-type"] == "application/json"
    return json.loads(response["body"])
