"""Turning a valid request into the order to store (the seed's ``process_order`` step)."""

from __future__ import annotations

from datetime import datetime, timedelta
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


def expires_at(created_at: str, retention_days: int) -> int:
    """When DynamoDB's TTL may delete an order: ``retention_days`` after ``created_at`` (ISO 8601 with an
    offset, as ``build_order`` writes it), in epoch seconds, the only format TTL reads."""
    created = datetime.fromisoformat(created_at)
    if created.tzinfo is None:
        raise ValueError("created_at must carry a UTC offset")
    return int((created + timedelta(days=retention_days)).timestamp())
