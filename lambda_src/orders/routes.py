"""The routes' handlers. Each takes the event and the function's dependencies and returns a response; which
route each answers is declared once, in ``orders.api_routes``.

Tracing follows the seed's exercise 5: subsegments ``validate_input`` (annotation ``order_id``),
``process_order`` (metadata ``result``) and ``save_to_dynamodb``; the S3 and DynamoDB calls inside
them show up as botocore subsegments. Unlike the seed, the annotation is set only once the id is
valid: annotations are indexed for search, and a client's garbage should not be.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from common import tracing
from common.config_cache import TtlCache
from common.http import RequestError, json_body, path_parameter
from common.responses import json_response
from orders.api_routes import ROUTES as DECLARED_ROUTES
from orders.limits import OrderLimits
from orders.order import Order
from orders.processing import build_order
from orders.receipts import ReceiptSigner
from orders.repository import OrderRepository
from orders.validation import check_item_count, parse_order_request, validate_id


class Dependencies(NamedTuple):  # NamedTuple: see orders.settings
    limits: TtlCache[OrderLimits]
    repository: OrderRepository
    clock: Callable[[], datetime]
    receipts: ReceiptSigner | None = None  # set when a signing secret is configured


def _order_response(status: int, order: Order, deps: Dependencies) -> dict[str, Any]:
    return json_response(status, deps.receipts.sign(order) if deps.receipts else order.as_body())


def create_order(event: dict[str, Any], deps: Dependencies) -> dict[str, Any]:
    with tracing.subsegment("validate_input", client_errors=(RequestError,)) as span:
        request = parse_order_request(json_body(event))
        span.annotate("order_id", request.order_id)
        # Config only once the body is well-formed: a client's mistake stays a 400 even while the
        # config is unavailable.
        check_item_count(request, deps.limits.get().max_items_per_order)

    with tracing.subsegment("process_order") as span:
        order = build_order(request, deps.clock())
        span.metadata("result", order.as_body())

    if deps.receipts:
        deps.receipts.load_key()
    fingerprint = request.fingerprint()
    with tracing.subsegment("save_to_dynamodb"):
        existing = deps.repository.put_if_absent(order, fingerprint)

    if existing is None:
        return _order_response(201, order, deps)
    stored, stored_fingerprint = existing
    if stored_fingerprint == fingerprint:
        return _order_response(200, stored, deps)  # replay (or a concurrent twin): same order, no second write
    raise RequestError(409, "order_id: an order with this id exists with different content")


def get_order(event: dict[str, Any], deps: Dependencies) -> dict[str, Any]:
    order_id = validate_id(path_parameter(event, "order_id"), "order_id")
    found = deps.repository.get(order_id)
    if found is None:
        raise RequestError(404, "order_id: no order with this id")
    return _order_response(200, found[0], deps)


RouteHandler = Callable[[dict[str, Any], Dependencies], dict[str, Any]]


def _resolve(name: str) -> RouteHandler:
    handler = getattr(sys.modules[__name__], name, None)
    if not callable(handler):
        raise LookupError(f"orders.api_routes names {name!r}, which orders.routes does not define")
    return handler  # type: ignore[no-any-return]


# Route key -> handler, from the declaration (init fails loudly if a declared handler is missing).
ROUTES: dict[str, RouteHandler] = {route.key: _resolve(route.handler) for route in DECLARED_ROUTES}
