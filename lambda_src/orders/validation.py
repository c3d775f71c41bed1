"""Validating a create-order request body. Pure functions: no I/O, no config lookups.

Every rejection is a 400 ``RequestError`` whose message names the field, e.g.
``items[2].quantity: must be an integer from 1 to 1000``.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, NamedTuple, TypeGuard

from common.http import RequestError
from orders.order import OrderItem

ID_PATTERN = "[A-Za-z0-9_-]{1,64}"
_ID_RE = re.compile(ID_PATTERN)
MIN_QUANTITY, MAX_QUANTITY = 1, 1000
ORDER_KEYS = frozenset({"order_id", "items"})
ITEM_KEYS = frozenset({"sku", "quantity"})


class OrderRequest(NamedTuple):
    order_id: str
    items: tuple[OrderItem, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "items": [item.as_body() for item in self.items],
        }

    def fingerprint(self) -> str:
        """SHA-256 of the canonical request: equal for replays however the JSON was spaced or ordered.

        Stored with the order, it tells a replay (200) from a different order reusing the id (409)
        without comparing timestamps or other fields the server filled in.
        """
        canonical = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _bad(field: str, problem: str) -> RequestError:
    return RequestError(400, f"{field}: {problem}")


def valid_id(value: object) -> TypeGuard[str]:
    # fullmatch: `$` in re.match would also accept a trailing newline.
    return isinstance(value, str) and _ID_RE.fullmatch(value) is not None


def validate_id(value: Any, field: str) -> str:
    if value is None:
        raise _bad(field, "required")
    if not valid_id(value):
        raise _bad(field, f"must be a string matching {ID_PATTERN}")
    return value


def _check_keys(obj: dict[str, Any], allowed: frozenset[str], prefix: str) -> None:
    unknown = sorted(str(key) for key in obj if key not in allowed)
    if unknown:
        raise RequestError(400, f"{prefix}{unknown[0]}: unknown field")
    for key in sorted(allowed):
        if key not in obj:
            raise _bad(f"{prefix}{key}", "required")


def _quantity(value: Any, field: str) -> int:
    # bool is a subclass of int in Python (True == 1): JSON `true` is not a quantity.
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_QUANTITY <= value <= MAX_QUANTITY:
        raise _bad(field, f"must be an integer from {MIN_QUANTITY} to {MAX_QUANTITY}")
    return value


def parse_order_request(payload: Any) -> OrderRequest:
    """Check the body's shape and values; the item count limit is checked by ``check_item_count``."""
    if not isinstance(payload, dict):
        raise _bad("body", "must be a JSON object")
    _check_keys(payload, ORDER_KEYS, "")
    order_id = validate_id(payload["order_id"], "order_id")
    raw_items = payload["items"]
    if not isinstance(raw_items, list):
        raise _bad("items", "must be a list")
    if not raw_items:
        raise _bad("items", "must contain at least 1 item")
    items = []
    for index, raw in enumerate(raw_items):
        field = f"items[{index}]"
        if not isinstance(raw, dict):
            raise _bad(field, "must be an object")
        _check_keys(raw, ITEM_KEYS, f"{field}.")
        sku = validate_id(raw["sku"], f"{field}.sku")
        items.append(OrderItem(sku=sku, quantity=_quantity(raw["quantity"], f"{field}.quantity")))
    return OrderRequest(order_id=order_id, items=tuple(items))


def check_item_count(request: OrderRequest, max_items: int) -> None:
    """Separate from parsing: the limit comes from config, loaded only for well-formed requests."""
    if len(request.items) > max_items:
        raise _bad("items", f"at most {max_items} items per order")
