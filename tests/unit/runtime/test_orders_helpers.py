"""Responses, order processing, the DynamoDB item mapping, settings and the error classification."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError

from common.config_cache import ConfigUnavailable
from common.responses import error_response, json_response
from common.secrets import SecretUnavailable
from common.utils import MissingEnvironmentVariable, utc_now
from orders.app import is_dependency_failure
from orders.order import Order, OrderItem
from orders.processing import build_order
from orders.repository import from_item, to_item
from orders.settings import Settings
from orders.validation import parse_order_request

REQUEST = parse_order_request({"order_id": "o-1", "items": [{"sku": "a", "quantity": 2}, {"sku": "b", "quantity": 5}]})


def test_json_response_shape():
    response = json_response(201, {"k": "ü"})
    assert response["statusCode"] == 201
    assert response["headers"] == {"content-type": "application/json"}
    assert json.loads(response["body"]) == {"k": "ü"}
    assert json.loads(error_response(404, "x: y")["body"]) == {"error": "x: y"}


def test_build_order_fills_status_time_and_total():
    now = datetime(2026, 11, 28, 9, 0, 0, 123456, tzinfo=UTC)
    order = build_order(REQUEST, now)
    assert order == Order(
        order_id="o-1",
        items=(OrderItem("a", 2), OrderItem("b", 5)),
        status="processed",
        created_at="2026-11-28T09:00:00.123+00:00",
        total_quantity=7,
    )
    assert order.as_body() == {
        "order_id": "o-1",
        "items": [{"sku": "a", "quantity": 2}, {"sku": "b", "quantity": 5}],
        "status": "processed",
        "created_at": "2026-11-28T09:00:00.123+00:00",
        "total_quantity": 7,
    }
    assert list(order.as_body()) == ["order_id", "items", "status", "created_at", "total_quantity"]
    with pytest.raises(ValueError):
        build_order(REQUEST, now.replace(tzinfo=None))


def test_utc_now_is_timezone_aware():
    assert utc_now().utcoffset() == timedelta(0)


def test_item_round_trip_keeps_the_fingerprint():
    order = build_order(REQUEST, utc_now())
    item = to_item(order, "abc")
    assert item["order_id"] == {"S": "o-1"} and item["total_quantity"] == {"N": "7"}
    assert from_item(item) == (order, "abc")


def test_settings_from_env(monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "t")
    monkeypatch.setenv("CONFIG_BUCKET", "b")
    monkeypatch.delenv("CONFIG_KEY", raising=False)
    monkeypatch.delenv("CONFIG_TTL_SECONDS", raising=False)
    assert Settings.from_env() == Settings("t", "b", "config.json", 300.0)
    monkeypatch.setenv("CONFIG_KEY", "other.json")
    monkeypatch.setenv("CONFIG_TTL_SECONDS", "0.5")
    assert Settings.from_env() == Settings("t", "b", "other.json", 0.5)


@pytest.mark.parametrize("missing", ["TABLE_NAME", "CONFIG_BUCKET"])
def test_missing_required_setting_names_the_variable(monkeypatch, missing):
    monkeypatch.setenv("TABLE_NAME", "t")
    monkeypatch.setenv("CONFIG_BUCKET", "b")
    monkeypatch.setenv(missing, " ")
    with pytest.raises(MissingEnvironmentVariable, match=missing):
        Settings.from_env()


@pytest.mark.parametrize("value", ["soon", "-1", "nan"])
def test_bad_ttl_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("TABLE_NAME", "t")
    monkeypatch.setenv("CONFIG_BUCKET", "b")
    monkeypatch.setenv("CONFIG_TTL_SECONDS", value)
    with pytest.raises(ValueError, match="CONFIG_TTL_SECONDS"):
        Settings.from_env()


def client_error(code, status=400):
    return ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutItem"
    )


@pytest.mark.parametrize(
    "exc, dependency",
    [
        (ConfigUnavailable("x"), True),
        (SecretUnavailable("x"), True),
        (client_error("ProvisionedThroughputExceededException"), True),
        (client_error("ThrottlingException"), True),
        (client_error("ResourceNotFoundException"), True),
        (client_error("InternalServerError", 500), True),
        (EndpointConnectionError(endpoint_url="http://x"), True),
        (client_error("ValidationException"), False),
        (ParamValidationError(report="bad"), False),
        (KeyError("x"), False),
        (ValueError("x"), False),
    ],
)
def test_dependency_failures_vs_bugs(exc, dependency):
    assert is_dependency_failure(exc) is dependency
