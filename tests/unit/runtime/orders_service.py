"""The orders function's app in-process, wired by ``build_app`` to real botocore clients that Stubber answers
(the fast tests' stand-in for the moto server of tests/integration), with the test's clocks and a JSON log it
can read.

Events are the real API Gateway HTTP API events of ``events/`` (events/SOURCES.md), with the test's body or
path parameter.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from awslambdaric.lambda_context import LambdaContext
from botocore.response import StreamingBody
from botocore.stub import Stubber

from common.logging import setup_logger
from orders.app import OrdersApp, build_app
from orders.order import Order, OrderItem
from orders.repository import to_item
from orders.settings import Settings
from tests.orders_local import load_event
from tests.unit.runtime.stubbed import offline_client, stubbed

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
CREATED_AT = "2026-11-28T09:00:00.000+00:00"
SECRET_ARN = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:receipt-AbCdEf"
# An order as stored after processing: the receipt tests sign it (test_orders_contract pins its signature).
PROCESSED_ORDER = Order(
    order_id="order-123",
    items=(OrderItem("sku-1", 2),),
    status="processed",
    created_at=CREATED_AT,
    total_quantity=2,
)
SETTINGS = Settings(
    table_name="orders-test",
    config_bucket="config-test",
    config_key="stage/config.json",
    config_ttl_seconds=60,
    receipt_secret_arn=None,
)


def event(name: str) -> dict[str, Any]:
    return load_event(f"{name}.json")


def post(body: Any) -> dict[str, Any]:
    return {**event("post_order"), "body": body if isinstance(body, str) else json.dumps(body)}


def get(order_id: Any) -> dict[str, Any]:
    return {**event("get_order"), "pathParameters": {"order_id": order_id}}


def order_request(order_id: str = "order-1", *quantities: int) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "items": [{"sku": f"SKU-{i}", "quantity": q} for i, q in enumerate(quantities or (2,))],
    }


def body_of(response: dict[str, Any]) -> Any:
    assert response["headers"] == {"content-type": "application/json"}
    return json.loads(response["body"])


def lambda_context(request_id: str = "request-1") -> Any:
    """The context object awslambdaric hands the handler (its own class)."""
    return LambdaContext(request_id, None, None, 0)


class Clock:
    """A clock the test sets: ``now`` seconds."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Ticks:
    """A perf counter answering the given readings in turn."""

    def __init__(self, *readings: float) -> None:
        self.readings = list(readings)

    def __call__(self) -> float:
        return self.readings.pop(0)


@dataclass
class Service:
    """One app on stubbed clients; ``s3``/``dynamodb``/``secrets`` are the Stubbers to queue answers on."""

    settings: Settings
    s3: Stubber
    dynamodb: Stubber
    secrets: Stubber
    monotonic: Clock
    perf_counter: Callable[[], float]
    stream: io.StringIO = field(default_factory=io.StringIO)
    app: OrdersApp | None = None

    def __call__(self, request: Any, context: Any = None) -> dict[str, Any]:
        assert self.app is not None
        return self.app.handle(request, context if context is not None else lambda_context())

    def logs(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def config(self, document: Any) -> None:
        """The next GetObject of the configured key answers ``document``."""
        raw = (document if isinstance(document, str) else json.dumps(document)).encode()
        self.s3.add_response(
            "get_object",
            {"Body": StreamingBody(io.BytesIO(raw), len(raw))},
            {"Bucket": self.settings.config_bucket, "Key": self.settings.config_key},
        )

    def secret(self, value: str) -> None:
        self.secrets.add_response(
            "get_secret_value",
            {"SecretString": value},
            {"SecretId": self.settings.receipt_secret_arn},
        )

    def put(
        self, order: Order, fingerprint: str, *, stored: dict[str, Any] | None = None, expiry: int | None = None
    ) -> None:
        """The next conditional PutItem of ``order``: written, or refused because ``stored`` is there."""
        params = {
            "TableName": self.settings.table_name,
            "Item": to_item(order, fingerprint, expiry),
            "ConditionExpression": "attribute_not_exists(order_id)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if stored is None:
            self.dynamodb.add_response("put_item", {}, params)
        else:
            self.dynamodb.add_client_error(
                "put_item",
                service_error_code="ConditionalCheckFailedException",
                http_status_code=400,
                expected_params=params,
                modeled_fields={"Item": stored},
            )

    def stored(self, order_id: str, item: dict[str, Any] | None) -> None:
        """The next GetItem of ``order_id`` answers ``item`` (None: no such item)."""
        params = {"TableName": self.settings.table_name, "Key": {"order_id": {"S": order_id}}, "ConsistentRead": True}
        self.dynamodb.add_response("get_item", {"Item": item} if item else {}, params)


@cache
def _clients() -> tuple[Any, Any, Any]:
    # Built once (loading a service model costs ~50 ms); each test stubs them afresh.
    return offline_client("s3"), offline_client("dynamodb"), offline_client("secretsmanager")


@contextmanager
def service(
    settings: Settings = SETTINGS,
    *,
    secrets_client: bool = True,
    perf_counter: Callable[[], float] | None = None,
) -> Iterator[Service]:
    """An app built by ``build_app`` the way the handler builds it; every queued answer must be used."""
    s3, dynamodb, secrets = _clients()
    with ExitStack() as stack:
        running = Service(
            settings,
            s3=stack.enter_context(stubbed(s3)),
            dynamodb=stack.enter_context(stubbed(dynamodb)),
            secrets=stack.enter_context(stubbed(secrets)),
            monotonic=Clock(),
            perf_counter=perf_counter or Clock(0.0),
        )
        logger = setup_logger("orders.test", logging.INFO, stream=running.stream)
        running.app = build_app(
            settings,
            s3,
            dynamodb,
            logger,
            clock=lambda: NOW,
            secrets_client=secrets if secrets_client else None,
            monotonic=running.monotonic,
            perf_counter=running.perf_counter,
        )
        yield running
