"""order_retention_days end to end in the handler: a created order is stored with its DynamoDB TTL attribute,
through the real conditional put against moto server; without the setting no attribute is written."""

from __future__ import annotations

import io
import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from common.logging import setup_logger
from orders.app import build_app
from orders.repository import EXPIRES_AT_ATTRIBUTE
from orders.settings import Settings
from tests.integration.events import get, order, post

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class _Context:
    aws_request_id = "expiry-test"


@pytest.mark.parametrize("retention_days", [7, None])
def test_created_order_is_stored_with_its_expiry(stack, aws, retention_days):
    settings = Settings(table_name=stack.table, config_bucket=stack.bucket, order_retention_days=retention_days)
    logger = setup_logger(f"orders-expiry-{uuid.uuid4().hex[:8]}", level=logging.INFO, stream=io.StringIO())
    s3, dynamodb = aws
    app = build_app(settings, s3, dynamodb, logger, clock=lambda: NOW)
    created = app.handle(post(order("o-ttl")), _Context())
    assert created["statusCode"] == 201
    [item] = stack.items()
    if retention_days is None:
        assert EXPIRES_AT_ATTRIBUTE not in item
    else:
        assert item[EXPIRES_AT_ATTRIBUTE] == {"N": str(int((NOW + timedelta(days=retention_days)).timestamp()))}
    # A replay reads the stored item back: same response, still one item, expiry untouched.
    assert app.handle(post(order("o-ttl")), _Context())["statusCode"] == 200
    assert stack.items() == [item]
    assert app.handle(get("o-ttl"), _Context())["body"] == created["body"]
