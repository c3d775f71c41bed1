"""Turning a valid request into the order to store (the seed's ``process_order`` step)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orders.validation import OrderRequest

STATUS_PROCESSED = "processed"


def build_order(request: OrderRequest, now: datetime) -> dict[str, Any]:
    """The stored and returned representation; ``now`` must be timezone-aware (UTC)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    order = request.as_dict()
    order["status"] = STATUS_PROCESSED
    order["created_at"] = now.isoformat(timespec="milliseconds")
    order["total_quantity"] = sum(item.quantity for item in request.items)
    return order
