"""The orders routes (orders/routes.py) through the app, in-process on stubbed AWS clients: create_order's 201,
its replay (200, the stored order), its conflict (409) and its client errors (400 before the config is read);
get_order's 200 / 404 / 400; receipts signed with the secret's value; and the trace steps each request records.

DynamoDB's conditional write itself (one winner among concurrent writers) is the integration tests' (moto server).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from common import tracing
from orders.order import Order, OrderItem
from orders.receipts import receipt_signature
from orders.repository import to_item
from orders.validation import parse_order_request
from tests.unit.runtime.orders_service import (
    CREATED_AT,
    SECRET_ARN,
    SETTINGS,
    body_of,
    get,
    order_request,
    post,
    service,
)

REQUEST = order_request("order-1", 2, 3)
ORDER = Order("order-1", (OrderItem("SKU-0", 2), OrderItem("SKU-1", 3)), "processed", CREATED_AT, 5)
FINGERPRINT = parse_order_request(REQUEST).fingerprint()
# What an earlier request stored: its own created_at (the replay must answer it, not a new one).
STORED = Order("order-1", ORDER.items, "processed", "2026-11-27T08:00:00.000+00:00", 5)
CONFIG = {"max_items_per_order": 5}


def client_error(response: dict[str, Any]) -> tuple[int, str]:
    return response["statusCode"], body_of(response)["error"]


# --- create_order ----------------------------------------------------------------------------------------------


def test_a_new_order_is_written_and_answered_201() -> None:
    with service() as app:
        app.config(CONFIG)
        app.put(ORDER, FINGERPRINT)
        response = app(post(REQUEST))
    assert response["statusCode"] == 201
    assert body_of(response) == {
        "order_id": "order-1",
        "items": [{"sku": "SKU-0", "quantity": 2}, {"sku": "SKU-1", "quantity": 3}],
        "status": "processed",
        "created_at": CREATED_AT,  # the injected clock's
        "total_quantity": 5,
    }


def test_a_replay_answers_200_with_the_stored_order_and_writes_nothing_more() -> None:
    with service() as app:
        app.config(CONFIG)
        app.put(ORDER, FINGERPRINT, stored=to_item(STORED, FINGERPRINT))
        response = app(post(REQUEST))
    assert response["statusCode"] == 200 and body_of(response) == STORED.as_body()


def test_the_same_id_with_other_content_is_a_409_naming_the_field() -> None:
    other = parse_order_request(order_request("order-1", 9)).fingerprint()
    with service() as app:
        app.config(CONFIG)
        app.put(ORDER, FINGERPRINT, stored=to_item(STORED, other))
        response = app(post(REQUEST))
    assert client_error(response) == (409, "order_id: an order with this id exists with different content")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"order_id": "a/b", "items": [{"sku": "s", "quantity": 1}]}, "order_id: "),
        ({"order_id": "o-1", "items": [{"sku": "s", "quantity": 0}]}, "items[0].quantity: "),
    ],
)
def test_a_bad_body_is_a_400_naming_the_field_before_the_config_is_read(body: Any, message: str) -> None:
    with service() as app:  # no S3 answer queued: reading the config would fail the request (a 503)
        status, error = client_error(app(post(body)))
    assert status == 400 and error.startswith(message)


def test_more_items_than_the_config_allows_is_a_400_and_nothing_is_written() -> None:
    with service() as app:
        app.config({"max_items_per_order": 1})
        response = app(post(REQUEST))
    assert client_error(response) == (400, "items: at most 1 items per order")


# --- get_order -------------------------------------------------------------------------------------------------


def test_get_answers_the_stored_order() -> None:
    with service() as app:
        app.stored("order-1", to_item(STORED, FINGERPRINT))
        response = app(get("order-1"))
    assert response["statusCode"] == 200 and body_of(response) == STORED.as_body()


def test_get_of_an_unknown_id_is_a_404_naming_the_field() -> None:
    with service() as app:
        app.stored("order-2", None)
        response = app(get("order-2"))
    assert client_error(response) == (404, "order_id: no order with this id")


@pytest.mark.parametrize("order_id", ["a/b", "", None])
def test_get_of_an_invalid_id_is_a_400_without_reading_the_table(order_id: Any) -> None:
    with service() as app:
        status, error = client_error(app(get(order_id)))
    assert status == 400 and error.startswith("order_id: ")


# --- receipts --------------------------------------------------------------------------------------------------

SIGNED = SETTINGS._replace(receipt_secret_arn=SECRET_ARN)


def signed(order: Order, key: str) -> dict[str, Any]:
    return {**order.as_body(), "receipt": receipt_signature(key, order.as_body())}


def test_with_a_secret_every_answer_carries_a_receipt_signed_with_its_value() -> None:
    with service(SIGNED) as app:
        app.config(CONFIG)
        app.secret("key-1")  # read once per TTL, like the config
        app.put(ORDER, FINGERPRINT)
        app.put(ORDER, FINGERPRINT, stored=to_item(STORED, FINGERPRINT))
        app.stored("order-1", to_item(STORED, FINGERPRINT))
        created, replayed, read = app(post(REQUEST)), app(post(REQUEST)), app(get("order-1"))
    assert (created["statusCode"], body_of(created)) == (201, signed(ORDER, "key-1"))
    assert (replayed["statusCode"], body_of(replayed)) == (200, signed(STORED, "key-1"))
    assert (read["statusCode"], body_of(read)) == (200, signed(STORED, "key-1"))


def test_a_rotated_secret_is_used_once_the_ttl_is_over() -> None:
    with service(SIGNED) as app:
        app.secret("key-1")
        app.stored("order-1", to_item(STORED, FINGERPRINT))
        assert body_of(app(get("order-1"))) == signed(STORED, "key-1")
        app.monotonic.now += SETTINGS.config_ttl_seconds
        app.secret("key-2")
        app.stored("order-1", to_item(STORED, FINGERPRINT))
        assert body_of(app(get("order-1"))) == signed(STORED, "key-2")


def test_an_unreadable_secret_is_a_503_before_anything_is_written() -> None:
    with service(SIGNED) as app:
        app.config(CONFIG)
        app.secrets.add_client_error("get_secret_value", service_error_code="AccessDeniedException")
        response = app(post(REQUEST))  # no put queued: a write would fail the stub
    assert response["statusCode"] == 503
    [error] = [entry for entry in app.logs() if entry["level"] == "ERROR"]
    assert error["exception_type"] == "SecretUnavailable" and SECRET_ARN in error["exception_message"]


# --- trace steps -----------------------------------------------------------------------------------------------


class RecordedSpan(tracing.Span):
    def __init__(self, name: str) -> None:
        self.name = name
        self.annotations: dict[str, Any] = {}
        self.metadata_: dict[str, Any] = {}
        self.outcome = "ok"

    def annotate(self, key: str, value: str | int | float | bool) -> None:
        self.annotations[key] = value

    def metadata(self, key: str, value: Any) -> None:
        self.metadata_[key] = value


class RecordingBackend:
    """A ``tracing.Backend`` that keeps each step: name, annotations, metadata, and how it ended (``ok``, a client
    ``error`` or a ``fault``), as the X-Ray backend marks a subsegment."""

    def __init__(self) -> None:
        self.spans: list[RecordedSpan] = []

    @contextmanager
    def subsegment(self, name: str, client_errors: tuple[type[BaseException], ...]) -> Iterator[tracing.Span]:
        span = RecordedSpan(name)
        self.spans.append(span)
        try:
            yield span
        except client_errors:
            span.outcome = "error"
            raise
        except Exception:
            span.outcome = "fault"
            raise

    def steps(self) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
        return [(s.name, s.outcome, s.annotations, s.metadata_) for s in self.spans]


@pytest.fixture
def trace(monkeypatch: pytest.MonkeyPatch) -> RecordingBackend:
    """Tracing active, as in Lambda (a backend, and the invocation's trace header)."""
    backend = RecordingBackend()
    monkeypatch.setattr(tracing, "_backend", backend)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
    return backend


def test_a_created_order_is_traced_in_three_steps(trace: RecordingBackend) -> None:
    with service() as app:
        app.config(CONFIG)
        app.put(ORDER, FINGERPRINT)
        assert app(post(REQUEST))["statusCode"] == 201
    assert trace.steps() == [
        ("validate_input", "ok", {"order_id": "order-1"}, {}),
        ("process_order", "ok", {}, {"result": ORDER.as_body()}),
        ("save_to_dynamodb", "ok", {}, {}),
    ]


def test_a_bad_body_is_a_client_error_step_without_an_annotation(trace: RecordingBackend) -> None:
    with service() as app:
        assert app(post({"order_id": "a/b", "items": []}))["statusCode"] == 400
    assert trace.steps() == [("validate_input", "error", {}, {})]  # a client's garbage is not indexed


def test_a_failing_write_is_a_fault_of_its_step(trace: RecordingBackend) -> None:
    with service() as app:
        app.config(CONFIG)
        app.dynamodb.add_client_error("put_item", service_error_code="InternalServerError", http_status_code=500)
        assert app(post(REQUEST))["statusCode"] == 503
    assert [(name, outcome) for name, outcome, *_ in trace.steps()] == [
        ("validate_input", "ok"),
        ("process_order", "ok"),
        ("save_to_dynamodb", "fault"),
    ]
