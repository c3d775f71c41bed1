"""Turning a valid request into the order to store (the seed's ``process_order`` step)."""

from __future__ import annotations

from datetime import datetime

from orders.order import Order
from orders.validation import OrderRequest

STATUS_PROCESSED = "processed"


def build_order(request: OrderRequest, now: datetime) -> Order:
    """The order to store and return; ``now`` must be timezone-aware (UTC)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return Order(
        order_id=request.order_id,
        items=request.items,
        status=STATUS_PROCESSED,
        created_at=now.isoformat(timespec="milliseconds"),
        total_quantity=sum(item.quantity for item in request.items),
    )
