"""What the pre-traffic hook's in-process tests share: the orders function's declared smoke cases as the hook reads
them from its environment, and the orders app in-process (tests/unit/runtime/orders_service.py: build_app on real
botocore clients that Stubber answers) as the function the cases are sent to, good or broken."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from common.logging import setup_logger
from orders.processing import build_order
from orders.repository import SMOKE_RETENTION_DAYS, expires_at, to_item
from orders.validation import parse_order_request
from pre_traffic_hook.smoke import Invocation, Invoke
from stacks.smoke_cases import SMOKE_ID_PREFIX, declared_smoke
from tests.unit.runtime.orders_service import NOW, SETTINGS, Service

ORDERS_SMOKE = declared_smoke("orders")  # lambda_src/orders/smoke_cases.py, read as the CDK app reads it
DEPLOYMENT_ID = "d-ABCDEF123"  # CodeDeploy's format: "d-" and nine characters
SMOKE_ID = f"{SMOKE_ID_PREFIX}{DEPLOYMENT_ID}"
# The orders function as deployed: its pre-traffic hook's orders expire in a day.
HOOK_SETTINGS = SETTINGS._replace(smoke_id_prefix=SMOKE_ID_PREFIX)
VERSION_ARN = "arn:aws:lambda:ap-northeast-1:123456789012:function:orders:7"


def hook_environment(**changes: str) -> dict[str, str]:
    """The hook's environment as its construct sets it for orders (tests/infra/test_pre_traffic_hook.py checks it)."""
    environment = {
        "TARGET_VERSION_ARN": VERSION_ARN,
        "SMOKE_CASES": json.dumps([c.as_json() for c in ORDERS_SMOKE.cases]),
        "LATENCY_BUDGET_MS": str(ORDERS_SMOKE.latency_budget_ms),
        "SMOKE_ID_PREFIX": SMOKE_ID_PREFIX,
        "SMOKE_CLEANUP": json.dumps([{"table": SETTINGS.table_name, "key": "order_id", "value": "{smoke_id}"}]),
    }
    return environment | changes


def queue_orders_answers(app: Service, *, broken: bool = False) -> None:
    """What the table and the config bucket answer while the orders cases run, in their order: create, read back,
    replay, bad body (no call), unknown id. ``broken``: a version whose writes AWS refuses as malformed, so its
    create answers 500 (orders/app.py: our bug) and the order is never stored."""
    request = parse_order_request(json.loads(json.dumps(ORDERS_SMOKE.cases[0].body).replace("{smoke_id}", SMOKE_ID)))
    order, fingerprint = build_order(request, NOW), request.fingerprint()
    expiry = expires_at(order.created_at, SMOKE_RETENTION_DAYS)
    app.config({"max_items_per_order": 5})
    if broken:
        app.dynamodb.add_client_error("put_item", service_error_code="ValidationException", http_status_code=400)
        app.stored(SMOKE_ID, None)
        app.dynamodb.add_client_error("put_item", service_error_code="ValidationException", http_status_code=400)
    else:
        app.put(order, fingerprint, expiry=expiry)
        app.stored(SMOKE_ID, to_item(order, fingerprint, expiry))
        app.put(order, fingerprint, stored=to_item(order, fingerprint, expiry), expiry=expiry)
    app.stored(f"{SMOKE_ID}-absent", None)


def in_process(app: Service, clock: Callable[[], float] = time.perf_counter) -> Invoke:
    """An invoke function that hands each event to the app, as Lambda hands it to the handler."""

    def invoke(event: dict[str, Any]) -> Invocation:
        started = clock()
        response = app(event)
        return Invocation(json.loads(json.dumps(response)), None, (clock() - started) * 1000)

    return invoke


def capture(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    return setup_logger(name, logging.INFO, stream=stream), stream


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]
