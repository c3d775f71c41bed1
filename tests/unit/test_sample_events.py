"""Every event the tools, the local demos and the tests send names a route the function declares
(lambda_src/orders/api_routes.py): a renamed route fails here, not as a silent 404 in a benchmark."""

from __future__ import annotations

import json

import pytest
from lambda_kit.tools.aws import default_payload

from stacks.function_routes import declared_routes
from tests.integration import events as test_events
from tests.orders_local import EVENTS, load_event

DECLARED = {route.key for route in declared_routes("orders")}
# events/unknown_route.json is what API Gateway sends for its $default route: the one key no function declares.
UNDECLARED = {"unknown_route.json": "$default"}


@pytest.mark.parametrize("name", sorted(path.name for path in EVENTS.glob("*.json")))
def test_each_sample_event_names_a_declared_route(name: str) -> None:
    event = load_event(name)
    assert event["routeKey"] == event["requestContext"]["routeKey"]
    expected = {UNDECLARED[name]} if name in UNDECLARED else DECLARED
    assert event["routeKey"] in expected


def test_the_tools_and_the_tests_send_declared_routes() -> None:
    # The deployed-stage tools' payload: [tool.lambda-kit] payload in pyproject.toml, read by the kit.
    sent = [json.loads(default_payload()), test_events.post({}), test_events.get("o-1")]
    assert {event["routeKey"] for event in sent} == DECLARED


def test_an_order_id_fills_the_body_or_the_declared_path() -> None:
    get = load_event("get_order.json", "o-42")
    assert get["rawPath"] == get["requestContext"]["http"]["path"] == "/orders/o-42"
    assert get["pathParameters"] == {"order_id": "o-42"}
    post = load_event("post_order.json", "o-42")
    assert '"order_id": "o-42"' in post["body"]
