"""Signed receipts: the key comes from Secrets Manager (moto) through a TTL cache, never from the env."""

from __future__ import annotations

import uuid

from lambda_kit.local.emulator import admin_client

from orders.receipts import receipt_signature
from tests.integration.events import body_of, get, order, post
from tests.integration.test_orders_api import assert_generic_503
from tests.orders_local import REGION


def _secret(stack, value: str) -> str:
    sm = _secrets_client(stack)
    return sm.create_secret(Name=f"receipts-{uuid.uuid4().hex[:8]}", SecretString=value)["ARN"]


def _secrets_client(stack):
    return admin_client(stack.endpoint, "secretsmanager", region=REGION)


def test_orders_carry_a_receipt_signed_with_the_secret(make_app, stack):
    arn = _secret(stack, "key-one")
    app = make_app(receipt_secret_arn=arn)
    created = body_of(app(post(order("r-1", 2, 3))))
    assert created["receipt"] == receipt_signature("key-one", created)
    assert created["receipt"] != receipt_signature("another-key", created)
    fetched = body_of(app(get("r-1")))
    assert fetched["receipt"] == created["receipt"]
    replayed = body_of(app(post(order("r-1", 2, 3))))
    assert replayed == created
    [item] = stack.items()
    assert "receipt" not in item  # derived at response time, never stored


def test_rotated_secret_is_used_after_the_ttl(make_app, stack, monotonic):
    arn = _secret(stack, "old-key")
    app = make_app(receipt_secret_arn=arn, ttl=60, monotonic=monotonic)
    first = body_of(app(post(order("r-2"))))
    _secrets_client(stack).put_secret_value(SecretId=arn, SecretString="new-key")
    monotonic.advance(59.9)
    assert body_of(app(get("r-2")))["receipt"] == first["receipt"]  # still cached
    monotonic.advance(0.1)
    assert body_of(app(get("r-2")))["receipt"] == receipt_signature("new-key", first)


def test_unreadable_secret_is_503_and_nothing_is_written(make_app, stack):
    missing = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:gone-{uuid.uuid4().hex[:6]}"
    app = make_app(receipt_secret_arn=missing)
    assert_generic_503(app(post(order("r-3"))), stack)
    assert stack.items() == []
    errors = [e for e in app.logs() if e["level"] == "ERROR"]
    assert errors and errors[0]["exception_type"] == "SecretUnavailable"


def test_without_a_secret_there_is_no_receipt(app):
    assert "receipt" not in body_of(app(post(order("r-4"))))
