"""The two routes. Each takes the event and the function's dependencies and returns a response.

Tracing follows the seed's exercise 5: subsegments ``validate_input`` (annotation ``order_id``),
``process_order`` (metadata ``result``) and ``save_to_dynamodb``; the S3 and DynamoDB calls inside
them show up as botocore subsegments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from common import tracing
from common.config_cache import TtlCache
from common.http import RequestError, json_body, path_parameter
from common.responses import json_response
from orders.config import OrderLimits
from orders.processing import build_order
from orders.repository import OrderRepository
from orders.validation import check_item_count, parse_order_request, validate_id


@dataclass(frozen=True)
class Dependencies:
    limits: TtlCache[OrderLimits]
    repository: OrderRepository
    clock: Callable[[], datetime]


def create_order(event: dict[str, Any], deps: Dependencies) -> dict[str, Any]:
    with tracing.subsegment("validate_input") as span:
        request = parse_order_request(json_body(event))
        span.annotate("order_id", request.order_id)
        # Config only once the body is well-formed: a client's mistake stays a 400 even while the
        # config is unavailable.
        check_item_count(request, deps.limits.get().max_items_per_order)

    with tracing.subsegment("process_order") as span:
        order = build_order(request, deps.clock())
        span.metadata("result", order)

    fingerprint = request.fingerprint()
    with tracing.subsegment("save_to_dynamodb"):
        existing = deps.repository.put_if_absent(order, fingerprint)

    if existing is None:
        return json_response(201, order)
    stored, stored_fingerprint = existing
    if stored_fingerprint == fingerprint:
        return json_response(200, stored)  # replay (or a concurrent twin): same order, no second write
    raise RequestError(409, "order_id: an order with this id exists with different content")


def get_order(event: dict[str, Any], deps: Dependencies) -> dict[str, Any]:
    order_id = validate_id(path_parameter(event, "order_id"), "order_id")
    found = deps.repository.get(order_id)
    if found is None:
        raise RequestError(404, "order_id: no order with this id")
    return json_response(200, found[0])


ROUTES: dict[str, Callable[[dict[str, Any], Dependencies], dict[str, Any]]] = {
    "POST /orders": create_order,
    "GET /orders/{order_id}": get_order,
}
