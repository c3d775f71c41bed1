"""What the orders function's pieces promise to what is stored and to other systems: the request fingerprint and
the receipt signature (both outlive a deploy), the DynamoDB conditional write, settings and config limits.

The two digests are pinned to values computed by hand from the documented canonical form (sorted keys, no
spaces): a change to that form would turn every replay of an order stored before a deploy into a 409 and break
every receipt check downstream.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from common.config_cache import ConfigUnavailable
from orders.clients import create_clients
from orders.limits import OrderLimits
from orders.processing import build_order
from orders.receipts import receipt_signature
from orders.repository import EXPIRES_AT_ATTRIBUTE, FINGERPRINT_ATTRIBUTE, OrderRepository
from orders.settings import Settings
from orders.validation import parse_order_request
from tests.unit.runtime.orders_service import PROCESSED_ORDER as ORDER
from tests.unit.runtime.stubbed import client_fixtures

# --- the request fingerprint ---------------------------------------------------------------------------------------

CANONICAL_REQUEST = '{"items":[{"quantity":2,"sku":"sku-1"},{"quantity":1,"sku":"sku-2"}],"order_id":"order-123"}'
REQUEST_SHA256 = "bfcc0f5169edf93bf8d50f86a6dddf98b8dc3b9e4222c1de2f97ddcfbdcac2eb"


def test_the_fingerprint_is_the_sha256_of_the_canonical_request() -> None:
    assert hashlib.sha256(CANONICAL_REQUEST.encode()).hexdigest() == REQUEST_SHA256  # the pin itself
    request = parse_order_request(
        {"order_id": "order-123", "items": [{"sku": "sku-1", "quantity": 2}, {"quantity": 1, "sku": "sku-2"}]}
    )
    assert request.fingerprint() == REQUEST_SHA256


def test_the_fingerprint_keeps_the_item_order() -> None:
    request = parse_order_request(
        {"order_id": "order-123", "items": [{"sku": "sku-2", "quantity": 1}, {"sku": "sku-1", "quantity": 2}]}
    )
    assert request.fingerprint() != REQUEST_SHA256  # a different order of lines is a different request


# --- the receipt signature -----------------------------------------------------------------------------------------

# ORDER (orders_service.PROCESSED_ORDER) in the canonical form, without its status.
CANONICAL_RECEIPT = (
    '{"created_at":"2026-11-28T09:00:00.000+00:00","items":[{"quantity":2,"sku":"sku-1"}],'
    '"order_id":"order-123","total_quantity":2}'
)
RECEIPT_HMAC = "13fc0581e3a801145ef05d1ffbed536cda6917976be36f50f1edd79eca1db282"


def test_a_receipt_is_the_hmac_sha256_of_the_canonical_receipt_fields() -> None:
    assert hmac.new(b"receipt-key", CANONICAL_RECEIPT.encode(), hashlib.sha256).hexdigest() == RECEIPT_HMAC
    assert receipt_signature("receipt-key", ORDER.as_body()) == RECEIPT_HMAC


# --- the conditional write -----------------------------------------------------------------------------------------

TABLE = "orders"
ITEM = {
    "order_id": {"S": "order-123"},
    "items": {"L": [{"M": {"sku": {"S": "sku-1"}, "quantity": {"N": "2"}}}]},
    "status": {"S": "processed"},
    "created_at": {"S": "2026-11-28T09:00:00.000+00:00"},
    "total_quantity": {"N": "2"},
    FINGERPRINT_ATTRIBUTE: {"S": "f" * 64},
}
PUT = {
    "TableName": TABLE,
    "Item": ITEM,
    "ConditionExpression": "attribute_not_exists(order_id)",
    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
}
GET = {"TableName": TABLE, "Key": {"order_id": {"S": "order-123"}}, "ConsistentRead": True}


dynamodb, stub = client_fixtures("dynamodb")


def conditional_check_failed(stub: Stubber, item: dict[str, Any] | None) -> None:
    stub.add_client_error(
        "put_item",
        service_error_code="ConditionalCheckFailedException",
        http_status_code=400,
        expected_params=PUT,
        modeled_fields={"Item": item} if item else None,
    )


def test_a_new_order_is_written_once_conditionally(dynamodb: Any, stub: Stubber) -> None:
    stub.add_response("put_item", {}, PUT)
    assert OrderRepository(dynamodb, TABLE).put_if_absent(ORDER, "f" * 64) is None


def test_with_a_retention_the_item_carries_its_expiry_retention_days_after_creation(
    dynamodb: Any, stub: Stubber
) -> None:
    # 2026-11-28T09:00:00Z + 7 days = 2026-12-05T09:00:00Z = 1796461200 (epoch seconds, DynamoDB TTL's format)
    stub.add_response("put_item", {}, {**PUT, "Item": {**ITEM, EXPIRES_AT_ATTRIBUTE: {"N": "1796461200"}}})
    assert OrderRepository(dynamodb, TABLE, retention_days=7).put_if_absent(ORDER, "f" * 64) is None


def test_an_existing_id_returns_the_stored_order_and_fingerprint_from_the_failed_write(
    dynamodb: Any, stub: Stubber
) -> None:
    conditional_check_failed(stub, ITEM)
    assert OrderRepository(dynamodb, TABLE).put_if_absent(ORDER, "f" * 64) == (ORDER, "f" * 64)


def test_without_the_old_item_in_the_error_the_order_is_read_back_consistently(dynamodb: Any, stub: Stubber) -> None:
    conditional_check_failed(stub, None)
    stub.add_response("get_item", {"Item": ITEM}, GET)
    assert OrderRepository(dynamodb, TABLE).put_if_absent(ORDER, "f" * 64) == (ORDER, "f" * 64)


def test_an_item_that_vanished_after_the_failed_write_is_an_error(dynamodb: Any, stub: Stubber) -> None:
    conditional_check_failed(stub, None)
    stub.add_response("get_item", {}, GET)
    with pytest.raises(RuntimeError) as error:
        OrderRepository(dynamodb, TABLE).put_if_absent(ORDER, "f" * 64)
    assert str(error.value) == "conditional write failed but the item is absent"


def test_any_other_write_error_is_raised_as_is(dynamodb: Any, stub: Stubber) -> None:
    stub.add_client_error("put_item", service_error_code="ProvisionedThroughputExceededException", http_status_code=400)
    with pytest.raises(ClientError) as error:
        OrderRepository(dynamodb, TABLE).put_if_absent(ORDER, "f" * 64)
    assert error.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"


def test_get_reads_consistently_and_tells_a_missing_order(dynamodb: Any, stub: Stubber) -> None:
    stub.add_response("get_item", {"Item": ITEM}, GET)
    stub.add_response("get_item", {}, GET)
    repository = OrderRepository(dynamodb, TABLE)
    assert repository.get("order-123") == (ORDER, "f" * 64)
    assert repository.get("order-123") is None


def test_an_item_stored_without_a_fingerprint_reads_back_with_none(dynamodb: Any, stub: Stubber) -> None:
    legacy = {k: v for k, v in ITEM.items() if k != FINGERPRINT_ATTRIBUTE}
    stub.add_response("get_item", {"Item": legacy}, GET)
    assert OrderRepository(dynamodb, TABLE).get("order-123") == (ORDER, None)


# --- settings and config limits ------------------------------------------------------------------------------------


@pytest.fixture
def required_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("CONFIG_KEY", "CONFIG_TTL_SECONDS", "RECEIPT_SECRET_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TABLE_NAME", " orders ")
    monkeypatch.setenv("CONFIG_BUCKET", "config-bucket")
    return monkeypatch


def test_settings_defaults_and_trimmed_values(required_env: pytest.MonkeyPatch) -> None:
    assert Settings.from_env() == Settings("orders", "config-bucket", "config.json", 300.0, None)
    required_env.setenv("CONFIG_KEY", "  ")
    required_env.setenv("RECEIPT_SECRET_ARN", " ")
    assert Settings.from_env() == Settings("orders", "config-bucket", "config.json", 300.0, None)


def test_settings_read_the_receipt_secret_and_a_zero_ttl(required_env: pytest.MonkeyPatch) -> None:
    arn = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:receipt-AbCdEf"
    required_env.setenv("RECEIPT_SECRET_ARN", f" {arn} ")
    required_env.setenv("CONFIG_TTL_SECONDS", "0")
    settings = Settings.from_env()
    assert (settings.receipt_secret_arn, settings.config_ttl_seconds) == (arn, 0.0)


def test_a_limit_of_one_item_is_the_smallest_accepted() -> None:
    assert OrderLimits.from_document({"max_items_per_order": 1}) == OrderLimits(1)
    with pytest.raises(ConfigUnavailable) as error:
        OrderLimits.from_document({"max_items_per_order": 0}, "s3://bucket/config.json")
    assert str(error.value) == "s3://bucket/config.json: max_items_per_order must be an integer >= 1"
    with pytest.raises(ConfigUnavailable, match=r"^config: max_items_per_order"):
        OrderLimits.from_document({})


# --- processing and clients ----------------------------------------------------------------------------------------


def test_a_naive_time_is_refused_with_a_reason() -> None:
    request = parse_order_request({"order_id": "o-1", "items": [{"sku": "a", "quantity": 1}]})
    with pytest.raises(ValueError) as error:
        build_order(request, datetime(2026, 11, 28, 9, 0))
    assert str(error.value) == "now must be timezone-aware"


@pytest.fixture
def region(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"AWS_REGION": "ap-northeast-1", "AWS_DEFAULT_REGION": "ap-northeast-1"}.items():
        monkeypatch.setenv(name, value)


def client_settings(client: Any) -> tuple[str, dict[str, Any], int, int]:
    config = client.meta.config
    return client.meta.service_model.service_name, config.retries, config.connect_timeout, config.read_timeout


@pytest.mark.usefixtures("region")
def test_the_clients_retry_in_standard_mode_with_short_timeouts() -> None:
    clients = create_clients()
    expected = ({"mode": "standard", "total_max_attempts": 3}, 2, 5)
    assert client_settings(clients.s3) == ("s3", *expected)
    assert client_settings(clients.dynamodb) == ("dynamodb", *expected)
    assert clients.secretsmanager is None  # each client's model costs init time: only when a secret is configured


@pytest.mark.usefixtures("region")
def test_a_secrets_manager_client_only_when_asked_for() -> None:
    clients = create_clients(secrets=True)
    assert client_settings(clients.secretsmanager) == (
        "secretsmanager",
        {"mode": "standard", "total_max_attempts": 3},
        2,
        5,
    )
