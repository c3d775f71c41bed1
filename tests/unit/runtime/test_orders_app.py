"""The orders app's error contract and request log (orders/app.py), in-process on stubbed AWS clients.

What each outcome becomes: a client's mistake -> its 4xx and a message naming the field; a dependency failing
-> 503 and a generic message, the details in the log only; a bug -> 500, likewise; an event that is not an
HTTP API event -> ``UnsupportedEvent``. Every handled request logs one "request handled" line with route,
status_code, duration_ms and, for a 4xx only, client_error.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from common.event_source import UnsupportedEvent
from orders.order import Order, OrderItem
from orders.validation import parse_order_request
from tests.unit.runtime.orders_service import (
    CREATED_AT,
    SETTINGS,
    Service,
    Ticks,
    body_of,
    event,
    lambda_context,
    order_request,
    post,
    service,
)

GENERIC_503 = {"error": "service temporarily unavailable, please retry"}
GENERIC_500 = {"error": "internal error"}
REQUEST = order_request("order-1", 2)
ORDER = Order("order-1", (OrderItem("SKU-0", 2),), "processed", CREATED_AT, 2)
FINGERPRINT = parse_order_request(REQUEST).fingerprint()


def handled(app: Service) -> dict[str, Any]:
    [line] = [entry for entry in app.logs() if entry["message"] == "request handled"]
    return line


def errors(app: Service) -> list[dict[str, Any]]:
    return [entry for entry in app.logs() if entry["level"] == "ERROR"]


# --- the request log -------------------------------------------------------------------------------------------


def test_a_handled_request_logs_its_route_status_and_duration_in_milliseconds() -> None:
    with service(perf_counter=Ticks(10.0, 10.0123456)) as app:
        app.config({"max_items_per_order": 5})
        app.put(ORDER, FINGERPRINT)
        assert app(post(REQUEST), lambda_context("request-42"))["statusCode"] == 201
    line = handled(app)
    assert (line["route"], line["status_code"], line["duration_ms"]) == ("POST /orders", 201, 12.346)
    assert "client_error" not in line
    assert line["level"] == "INFO" and line["request_id"] == "request-42"  # the invocation's context is bound


@pytest.mark.parametrize(
    ("request_event", "status", "message"),
    [
        (post("{not json"), 400, "body: not valid JSON"),
        (event("unknown_route"), 404, "route: no such route"),
        ({**post(REQUEST), "routeKey": "DELETE /orders/{order_id}"}, 404, "route: no such route"),
    ],
    ids=["bad-body", "default-route", "undeclared-route"],
)
def test_a_client_error_is_its_status_and_message_and_is_logged_as_such(
    request_event: dict[str, Any], status: int, message: str
) -> None:
    with service() as app:  # no AWS call: nothing is queued
        response = app(request_event)
    assert response["statusCode"] == status and body_of(response) == {"error": message}
    line = handled(app)
    assert (line["route"], line["status_code"], line["client_error"]) == (
        request_event["routeKey"],
        status,
        response["body"],
    )
    assert errors(app) == []


# --- dependencies failing and bugs -----------------------------------------------------------------------------


def assert_only_in_the_log(response: dict[str, Any], app: Service, status: int, body: dict[str, str]) -> None:
    assert response["statusCode"] == status and body_of(response) == body
    for detail in (SETTINGS.table_name, SETTINGS.config_bucket, SETTINGS.config_key, "Traceback", "arn:"):
        assert detail not in response["body"]
    line = handled(app)
    assert (line["route"], line["status_code"]) == ("POST /orders", status)
    assert "client_error" not in line  # a 5xx is not the client's mistake


def test_a_throttled_table_is_a_503_with_the_details_in_the_log() -> None:
    with service() as app:
        app.config({"max_items_per_order": 5})
        app.dynamodb.add_client_error(
            "put_item", service_error_code="ProvisionedThroughputExceededException", http_status_code=400
        )
        response = app(post(REQUEST))
    assert_only_in_the_log(response, app, 503, GENERIC_503)
    [error] = errors(app)
    assert error["message"] == "dependency failure" and error["route"] == "POST /orders"
    assert error["exception_type"] == "ProvisionedThroughputExceededException"
    assert error["traceback"].startswith("Traceback")


def test_an_unreadable_config_is_a_503_naming_the_object_in_the_log_only() -> None:
    with service() as app:
        app.s3.add_client_error("get_object", service_error_code="AccessDenied", http_status_code=403)
        response = app(post(REQUEST))
    assert_only_in_the_log(response, app, 503, GENERIC_503)
    [error] = errors(app)
    assert error["exception_type"] == "ConfigUnavailable"
    assert error["exception_message"].startswith("cannot read s3://config-test/stage/config.json: ")


def test_an_invalid_config_is_a_503_naming_its_source_and_nothing_is_written() -> None:
    with service() as app:
        app.config({"max_items_per_order": 0})  # no put queued: a write would fail the stub
        response = app(post(REQUEST))
    assert_only_in_the_log(response, app, 503, GENERIC_503)
    [error] = errors(app)
    assert (
        error["exception_message"] == "s3://config-test/stage/config.json: max_items_per_order must be an integer >= 1"
    )


def test_a_request_aws_refuses_as_malformed_is_our_bug_a_500() -> None:
    with service() as app:
        app.config({"max_items_per_order": 5})
        app.dynamodb.add_client_error("put_item", service_error_code="ValidationException", http_status_code=400)
        response = app(post(REQUEST))
    assert_only_in_the_log(response, app, 500, GENERIC_500)
    [error] = errors(app)
    assert error["message"] == "unhandled error" and error["route"] == "POST /orders"
    assert error["exception_type"] == "ClientError" and "ValidationException" in error["traceback"]


# --- events that are not HTTP API events -----------------------------------------------------------------------


@pytest.mark.parametrize("source", ["s3_put", "sqs", "apigw_rest_v1", "direct_invoke_empty"])
def test_another_sources_event_fails_the_invocation_without_any_call_or_response(source: str) -> None:
    with service() as app, pytest.raises(UnsupportedEvent, match="HTTP API events"):
        app(event(f"other_sources/{source}"))
    assert app.logs() == []  # the runtime logs the raised error once; the app adds nothing


# --- build_app's wiring: config source and TTL, table, receipts --------------------------------------------------


def test_the_config_is_read_once_per_ttl_from_the_configured_object() -> None:
    with service() as app:
        app.config({"max_items_per_order": 1})
        assert app(post(order_request("o-1", 1, 1)))["statusCode"] == 400  # 2 items > 1
        app.monotonic.now += SETTINGS.config_ttl_seconds - 1
        assert app(post(order_request("o-2", 1, 1)))["statusCode"] == 400  # still the cached limit, no read
        app.monotonic.now += 1
        app.config({"max_items_per_order": 3})  # the TTL is over: read again
        app.put(
            Order("o-3", (OrderItem("SKU-0", 1), OrderItem("SKU-1", 1)), "processed", CREATED_AT, 2),
            parse_order_request(order_request("o-3", 1, 1)).fingerprint(),
        )
        assert app(post(order_request("o-3", 1, 1)))["statusCode"] == 201


def test_orders_expire_after_the_configured_retention() -> None:
    # 2026-11-28T09:00:00Z + 7 days = 2026-12-05T09:00:00Z = 1796461200 (DynamoDB TTL: epoch seconds)
    with service(SETTINGS._replace(order_retention_days=7)) as app:
        app.config({"max_items_per_order": 5})
        app.put(ORDER, FINGERPRINT, expiry=1796461200)
        assert app(post(REQUEST))["statusCode"] == 201


def test_the_pre_traffic_hooks_orders_expire_in_a_day_whatever_the_retention() -> None:
    # 2026-11-28T09:00:00Z + 1 day = 1795942800: the backstop should the hook's own cleanup not run. Other orders keep
    # the stage's retention (here: none).
    smoke = order_request("__smoke-d-ABCDEF123", 2)
    smoke_order = dataclasses.replace(ORDER, order_id="__smoke-d-ABCDEF123")
    for retention in (None, 7):
        with service(SETTINGS._replace(smoke_id_prefix="__smoke-", order_retention_days=retention)) as app:
            app.config({"max_items_per_order": 5})
            app.put(smoke_order, parse_order_request(smoke).fingerprint(), expiry=1795942800)
            assert app(post(smoke))["statusCode"] == 201
    with service(SETTINGS._replace(smoke_id_prefix="__smoke-")) as app:
        app.config({"max_items_per_order": 5})
        app.put(ORDER, FINGERPRINT)  # no expiry: the id is not under the prefix
        assert app(post(REQUEST))["statusCode"] == 201


def test_a_build_without_a_secret_or_without_its_client_does_not_sign() -> None:
    for settings, secrets_client in ((SETTINGS, True), (SETTINGS._replace(receipt_secret_arn="arn:x"), False)):
        with service(settings, secrets_client=secrets_client) as app:  # no secret read is queued
            app.config({"max_items_per_order": 5})
            app.put(ORDER, FINGERPRINT)
            assert body_of(app(post(REQUEST))) == ORDER.as_body()
