"""An order and its items as typed, immutable values: what validation produces, processing completes, the
repository stores and the receipts sign. The DynamoDB mapping lives in ``orders.repository`` only.

Frozen dataclasses (``slots``: no per-instance dict): a renamed or misspelled field is a strict-mypy error
wherever it is used, not a ``KeyError`` in production. Not NamedTuples as in ``orders.settings``: an order must
not compare equal to, index or unpack like a plain tuple. The price, measured: defining the two classes takes
~1.5 ms at init against ~0.2-0.3 ms for two NamedTuples (Python 3.11 and 3.13; ``dataclasses`` itself is
already imported by botocore).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class OrderItem:
    sku: str
    quantity: int

    def as_body(self) -> dict[str, Any]:
        return {"sku": self.sku, "quantity": self.quantity}


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    items: tuple[OrderItem, ...]
    status: str
    created_at: str  # ISO 8601 with a UTC offset, milliseconds
    total_quantity: int

    def as_body(self) -> dict[str, Any]:
        """The order as the API returns it (the response body's keys in this order)."""
        return {
            "order_id": self.order_id,
            "items": [item.as_body() for item in self.items],
            "status": self.status,
            "created_at": self.created_at,
            "total_quantity": self.total_quantity,
        }
