"""Orders in DynamoDB through the low-level client (typed attribute values, no boto3 resource layer).

Idempotency rides on one conditional write: ``attribute_not_exists(order_id)`` lets exactly one of
any number of concurrent writers of an id succeed; the others get the stored item back in the same
round trip (``ReturnValuesOnConditionCheckFailure=ALL_OLD``) and compare request fingerprints.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from orders.order import Order, OrderItem

FINGERPRINT_ATTRIBUTE = "request_sha256"
# The table's TTL attribute (stacks/constructs/orders_table.py; tests/infra checks they agree): epoch seconds.
EXPIRES_AT_ATTRIBUTE = "expires_at"
# The pre-traffic hook deletes the orders it creates; should that not happen, TTL deletes them after this.
SMOKE_RETENTION_DAYS = 1


def to_item(order: Order, fingerprint: str, expiry: int | None = None) -> dict[str, Any]:
    item = {
        "order_id": {"S": order.order_id},
        "items": {"L": [{"M": {"sku": {"S": i.sku}, "quantity": {"N": str(i.quantity)}}} for i in order.items]},
        "status": {"S": order.status},
        "created_at": {"S": order.created_at},
        "total_quantity": {"N": str(order.total_quantity)},
        FINGERPRINT_ATTRIBUTE: {"S": fingerprint},
    }
    if expiry is not None:
        item[EXPIRES_AT_ATTRIBUTE] = {"N": str(expiry)}
    return item


def from_item(item: dict[str, Any]) -> tuple[Order, str | None]:
    """(the stored order, its request fingerprint); the expiry is storage only."""
    order = Order(
        order_id=item["order_id"]["S"],
        items=tuple(
            OrderItem(sku=i["M"]["sku"]["S"], quantity=int(i["M"]["quantity"]["N"])) for i in item["items"]["L"]
        ),
        status=item["status"]["S"],
        created_at=item["created_at"]["S"],
        total_quantity=int(item["total_quantity"]["N"]),
    )
    fingerprint = item.get(FINGERPRINT_ATTRIBUTE, {}).get("S")
    return order, fingerprint


def expires_at(created_at: str, retention_days: int) -> int:
    """When DynamoDB's TTL may delete an order: ``retention_days`` after ``created_at`` (ISO 8601 with an
    offset, as ``build_order`` writes it), in epoch seconds, the only format TTL reads."""
    created = datetime.fromisoformat(created_at)
    if created.tzinfo is None:
        raise ValueError("created_at must carry a UTC offset")
    return int((created + timedelta(days=retention_days)).timestamp())


class OrderRepository:
    def __init__(
        self, client: Any, table_name: str, retention_days: int | None = None, smoke_id_prefix: str | None = None
    ) -> None:
        self._client = client
        self._table = table_name
        self._retention_days = retention_days  # None: orders never expire
        self._smoke_id_prefix = smoke_id_prefix  # orders under it expire after SMOKE_RETENTION_DAYS, in any stage

    def _retention(self, order: Order) -> int | None:
        if self._smoke_id_prefix and order.order_id.startswith(self._smoke_id_prefix):
            return SMOKE_RETENTION_DAYS  # no stage keeps orders for less than a day (order_retention_days >= 1)
        return self._retention_days

    def get(self, order_id: str) -> tuple[Order, str | None] | None:
        # Strongly consistent: a client that just created an order must be able to read it back.
        response = self._client.get_item(TableName=self._table, Key={"order_id": {"S": order_id}}, ConsistentRead=True)
        item = response.get("Item")
        return from_item(item) if item else None

    def put_if_absent(self, order: Order, fingerprint: str) -> tuple[Order, str | None] | None:
        """Write the order unless its id exists. None if written, else the stored (order, fingerprint)."""
        days = self._retention(order)
        expiry = expires_at(order.created_at, days) if days else None
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(order, fingerprint, expiry),
                ConditionExpression="attribute_not_exists(order_id)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return None
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            item = exc.response.get("Item")
        if item:
            return from_item(item)
        # ALL_OLD should always carry the item; read it if an emulator or an old API did not.
        stored = self.get(order.order_id)
        if stored is None:
            raise RuntimeError("conditional write failed but the item is absent")
        return stored
