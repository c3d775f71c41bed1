"""Signed order receipts: an HMAC over the order's identity, so a downstream system (fulfilment,
billing) can check that an order came from this service without calling it. The key is the secret
in Secrets Manager (``RECEIPT_SECRET_ARN``), read through a TTL cache, never an environment variable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from common.config_cache import TtlCache
from orders.order import Order

RECEIPT_FIELDS = ("order_id", "items", "created_at", "total_quantity")


def receipt_signature(key: str, body: Mapping[str, Any]) -> str:
    """HMAC-SHA256 (hex) of the canonical JSON of the receipt fields of an order's response body (what a
    downstream system receives, so it can check the signature from the body alone)."""
    canonical = json.dumps({f: body[f] for f in RECEIPT_FIELDS}, sort_keys=True, separators=(",", ":"))
    return hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()


class ReceiptSigner:
    def __init__(self, key: TtlCache[str]) -> None:
        self._key = key

    def load_key(self) -> None:
        """Fetch (or reuse) the key before writing: a secret that can't be read is a 503 with
        nothing written, not a stored order whose response failed."""
        self._key.get()

    def sign(self, order: Order) -> dict[str, Any]:
        """The order's response body with its ``receipt``; the stored item is not changed."""
        body = order.as_body()
        body["receipt"] = receipt_signature(self._key.get(), body)
        return body
