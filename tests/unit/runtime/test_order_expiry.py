"""Order retention: the DynamoDB TTL attribute the function writes when ORDER_RETENTION_DAYS is set."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orders.processing import build_order
from orders.repository import EXPIRES_AT_ATTRIBUTE, expires_at, from_item, to_item
from orders.settings import Settings
from orders.validation import parse_order_request

NOW = datetime(2026, 11, 28, 12, 0, 0, 123000, tzinfo=UTC)
ORDER = build_order(parse_order_request({"order_id": "o-1", "items": [{"sku": "A", "quantity": 1}]}), NOW)


def test_expiry_is_retention_days_after_creation_in_epoch_seconds():
    assert ORDER.created_at == "2026-11-28T12:00:00.123+00:00"
    # 2026-12-05T12:00:00.123Z, truncated to the second (TTL reads whole seconds).
    assert expires_at(ORDER.created_at, 7) == int(datetime(2026, 12, 5, 12, 0, 0, tzinfo=UTC).timestamp())
    assert expires_at("2026-11-28T21:00:00.000+09:00", 1) == expires_at(ORDER.created_at, 1)


def test_expiry_needs_an_offset():
    with pytest.raises(ValueError, match=r"^created_at must carry a UTC offset$"):
        expires_at("2026-11-28T12:00:00", 7)


def test_item_carries_the_ttl_attribute_only_when_retention_is_set():
    assert EXPIRES_AT_ATTRIBUTE not in to_item(ORDER, "fp")
    item = to_item(ORDER, "fp", 1_796_040_000)
    assert item[EXPIRES_AT_ATTRIBUTE] == {"N": "1796040000"}
    assert from_item(item) == (ORDER, "fp")  # the API's order is unchanged: the expiry is storage only


def test_settings_read_order_retention_days_and_the_smoke_id_prefix(monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "t")
    monkeypatch.setenv("CONFIG_BUCKET", "b")
    monkeypatch.delenv("ORDER_RETENTION_DAYS", raising=False)
    monkeypatch.delenv("SMOKE_ID_PREFIX", raising=False)
    assert Settings.from_env().order_retention_days is None
    assert Settings.from_env().smoke_id_prefix is None
    monkeypatch.setenv("SMOKE_ID_PREFIX", " __smoke- ")
    assert Settings.from_env().smoke_id_prefix == "__smoke-"
    monkeypatch.setenv("ORDER_RETENTION_DAYS", "7")
    assert Settings.from_env().order_retention_days == 7
    monkeypatch.setenv("ORDER_RETENTION_DAYS", "0")
    with pytest.raises(ValueError, match="ORDER_RETENTION_DAYS must be >= 1"):
        Settings.from_env()
