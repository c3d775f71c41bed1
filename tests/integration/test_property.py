"""Property: whatever an HTTP API event carries, the answer is a well-formed response that the runtime can
send (awslambdaric's marshalling, UTF-8), every log line encodes, a client's mistake is never a 5xx,
nothing is written on a 4xx, and the table only ever holds valid orders. Any other event is refused.

Bodies are arbitrary JSON *text*: escapes (lone and paired surrogates among them), raw control characters,
byte order marks, integers past Python's 4,300-digit limit, deep nesting, sent raw or base64-encoded.
``PROPERTY_EXAMPLES`` sets the number of examples (1,000 in ``make test``) for the in-process app; the managed-instances
stage's environment (its workers, its JSON log format, its receipts) gets a fifth of them, a process round trip each.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lambda_kit.local.emulator import admin_client

from common.event_source import UnsupportedEvent
from orders.validation import parse_order_request
from tests.conftest import MANAGED_INSTANCES
from tests.orders_local import REGION

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "1000"))

ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
# [A-Za-z0-9_-]{1,64}: mostly short (cheap to draw), sometimes at the 64-character limit.
valid_ids = st.text(alphabet=ID_ALPHABET, min_size=1, max_size=6) | st.text(
    alphabet=ID_ALPHABET, min_size=64, max_size=64
)
# A few ids used over and over, so that replays and conflicting bodies happen often.
reused_ids = st.sampled_from(["p-1", "p-2", "p-3"])
ids = st.one_of(reused_ids, valid_ids, st.text(max_size=70), st.integers(), st.none())

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),  # an event is valid JSON (bodies may hold anything)
    st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=5,
)

valid_item = st.fixed_dictionaries({"sku": st.sampled_from(["A", "B"]) | valid_ids, "quantity": st.integers(1, 1000)})
valid_items = st.one_of(
    st.lists(valid_item, min_size=1, max_size=3),
    st.lists(valid_item, min_size=1, max_size=3),
    st.lists(valid_item, min_size=25, max_size=26),  # config.json's limit of 25, and one over
)
valid_orders = st.fixed_dictionaries(
    {"order_id": st.one_of(reused_ids, valid_ids, valid_ids, valid_ids), "items": valid_items}
)
quantities = st.one_of(st.integers(-5, 1005), st.booleans(), st.floats(), st.text(max_size=3), st.none())
# Fixed bodies, drawn again and again: identical replays (200).
fixed_orders = st.sampled_from([{"order_id": f"r-{n}", "items": [{"sku": "SKU", "quantity": n}]} for n in range(1, 4)])
near_items = st.fixed_dictionaries({"sku": ids, "quantity": quantities}, optional={"price": json_values})
near_orders = st.fixed_dictionaries(
    {"order_id": ids, "items": st.lists(near_items, max_size=5) | json_values}, optional={"note": json_values}
)

# Pieces of JSON text that a serializer would never produce but a client may send.
escapes = st.one_of(
    st.integers(0xD800, 0xDFFF).map(lambda c: f"\\u{c:04x}"),  # a lone surrogate
    st.just("\\ud83d\\ude00"),  # a valid pair (an emoji)
    st.sampled_from(["\\n", '\\"', "\\\\", "\\u0000", "\\u00e9", "\\uFEFF"]),
)
raw_characters = st.one_of(
    st.characters(codec="utf-8"),  # any encodable character, raw control characters included
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),  # a raw surrogate in the event's body string
    st.sampled_from(["\ufeff", "\x00", "\x1f", "\u2028"]),
)
huge_integers = st.integers(4290, 4400).map(lambda digits: "9" * digits)  # around int()'s 4,300-digit limit


@st.composite
def json_strings(draw):
    return '"' + "".join(draw(st.lists(escapes | raw_characters, max_size=6))) + '"'


@st.composite
def order_texts(draw):
    """A create-order body written by hand: valid structure, hostile pieces in key and value positions."""
    order_id = draw(json_strings() | st.just('"p-1"'))
    sku = draw(json_strings() | st.just('"A"'))
    quantity = draw(huge_integers | st.sampled_from(["1", "2", "-0", "1e2", "1.0"]))
    extra_key = draw(st.one_of(st.just(""), json_strings().map(lambda k: f", {k}: 1")))
    text = f'{{"order_id": {order_id}, "items": [{{"sku": {sku}, "quantity": {quantity}}}]{extra_key}}}'
    return draw(st.sampled_from(["", "\ufeff"])) + text


deep_nesting = st.integers(1, 3000).map(lambda depth: "[" * depth + "]" * depth)


@st.composite
def bodies(draw):
    kind = draw(st.sampled_from(["valid", "fixed", "near", "json", "text", "binary", "hand", "hand", "deep"]))
    if kind == "binary":
        return base64.b64encode(draw(st.binary(max_size=64))).decode(), True
    if kind == "text":
        return draw(st.text(max_size=200)), draw(st.booleans())
    if kind == "hand":
        text = draw(order_texts())
    elif kind == "deep":
        text = draw(deep_nesting)
    else:
        value = draw({"valid": valid_orders, "fixed": fixed_orders, "near": near_orders, "json": json_values}[kind])
        text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()):  # API Gateway base64-encodes bodies of non-text content types
        return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode(), True
    return text, False


@st.composite
def post_events(draw):
    body, encoded = draw(bodies())
    event = {"version": "2.0", "routeKey": "POST /orders", "body": body, "isBase64Encoded": encoded}
    if draw(st.integers(0, 9)) == 0:  # sometimes break the envelope too
        event[draw(st.sampled_from(["body", "isBase64Encoded"]))] = draw(json_values)
    return event


get_events = st.builds(
    lambda order_id: {"version": "2.0", "routeKey": "GET /orders/{order_id}", "pathParameters": {"order_id": order_id}},
    ids | json_values,
)
unknown_routes = st.builds(lambda r, b: {"version": "2.0", "routeKey": r, "body": b}, st.text(max_size=30), json_values)
# Not HTTP API payload 2.0 events: another source, a direct invoke, a 1.0 payload.
other_events = st.one_of(
    json_values.filter(lambda v: not isinstance(v, dict) or v.get("version") != "2.0"),
    st.builds(lambda r, b: {"routeKey": r, "body": b}, st.text(max_size=30), json_values),
)
events = st.one_of(post_events(), post_events(), post_events(), post_events(), get_events, unknown_routes, other_events)

CLIENT_STATUSES = {400, 404, 409, 413}


def check_order(order):
    request = parse_order_request({"order_id": order["order_id"], "items": order["items"]})
    assert len(request.items) <= 25
    assert order["status"] == "processed"
    assert order["total_quantity"] == sum(i["quantity"] for i in order["items"])
    assert datetime.fromisoformat(order["created_at"]).utcoffset() == timedelta(0)
    return request


@dataclass
class Target:
    """Where the property's events go: ``answer`` gives (the response, or the error type of a failed invocation; the
    log lines the request wrote); ``items`` the orders it stored."""

    examples: int
    answer: Callable[[Any], tuple[dict[str, Any] | None, str | None, list[str]]]
    items: Callable[[], list[dict[str, Any]]]


def in_process(app, stack) -> Target:
    def answer(event: Any) -> tuple[dict[str, Any] | None, str | None, list[str]]:
        log_lines = app.log_count()
        try:
            response = app(event)
        except UnsupportedEvent:  # the invocation fails: the source retries, nothing answered
            return None, "UnsupportedEvent", app.log_lines(log_lines)
        return response, None, app.log_lines(log_lines)  # log_lines() also checks that every line encodes

    return Target(EXAMPLES, answer, stack.items)


def managed_instances(managed) -> Target:
    """The managed-instances stage's environment (tests/integration/conftest.py): each event to whichever of its
    workers is free, fewer examples (a process round trip each). Its table holds the other tests' orders too."""
    dynamodb = admin_client(managed.local.moto.endpoint_url, "dynamodb", region=REGION)

    def items() -> list[dict[str, Any]]:
        return dynamodb.scan(TableName=managed.table, ConsistentRead=True)["Items"]

    before = {item["order_id"]["S"] for item in items()}

    def answer(event: Any) -> tuple[dict[str, Any] | None, str | None, list[str]]:
        invocation = managed.process.invoke(event)
        for line in invocation.logs:
            line.encode("utf-8")
        error = invocation.error["errorType"] if invocation.error else None
        return invocation.result if error is None else None, error, invocation.logs

    return Target(EXAMPLES // 5, answer, lambda: [i for i in items() if i["order_id"]["S"] not in before])


@pytest.fixture(params=["in-process", MANAGED_INSTANCES])
def target(request: pytest.FixtureRequest) -> Target:
    if request.param == MANAGED_INSTANCES:
        return managed_instances(request.getfixturevalue("managed"))
    return in_process(request.getfixturevalue("app"), request.getfixturevalue("stack"))


def test_any_event_gets_a_well_formed_answer_and_only_valid_orders_are_stored(target, aws_calls):
    accepted: dict[str, dict[str, Any]] = {}
    counts = {"examples": 0, "answered": 0, "refused": 0}

    @settings(
        max_examples=target.examples,
        deadline=None,
        database=None,  # no .hypothesis/ directory in the work tree
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(event=events)
    def one_request(event):
        counts["examples"] += 1
        mark = aws_calls.mark()
        http_api_event = (
            isinstance(event, dict) and event.get("version") == "2.0" and isinstance(event.get("routeKey"), str)
        )
        response, error, new_lines = target.answer(event)
        if not http_api_event:
            assert error == "UnsupportedEvent"  # the invocation fails: the source retries, nothing answered
            assert aws_calls.since(mark) == []
            counts["refused"] += 1
            return
        assert error is None and response is not None  # the handler must answer every HTTP API event
        counts["answered"] += 1
        assert set(response) == {"statusCode", "headers", "body", "isBase64Encoded"}
        assert response["headers"] == {"content-type": "application/json"}
        status, body = response["statusCode"], json.loads(response["body"])
        assert isinstance(body, dict)
        assert status in {200, 201} | CLIENT_STATUSES, (status, body, event)
        assert len(new_lines) == 1 and json.loads(new_lines[0])["status_code"] == status
        if status in CLIENT_STATUSES:
            assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]
            if status != 409:  # a 409 is a conditional write that DynamoDB refused
                assert "PutItem" not in [call["operation"] for call in aws_calls.since(mark)]
        else:
            check_order(body)
            if status == 201:
                assert body["order_id"] not in accepted
                accepted[body["order_id"]] = body
            else:
                assert accepted[body["order_id"]] == body  # a replay or a GET answers the stored order

    one_request()
    print(f"property examples: {counts}")
    assert counts["examples"] >= target.examples * 0.9 and counts["answered"] > counts["refused"] > 0

    stored = target.items()
    assert len(stored) == len(accepted)
    for item in stored:
        order = {
            "order_id": item["order_id"]["S"],
            "items": [
                {"sku": i["M"]["sku"]["S"], "quantity": int(i["M"]["quantity"]["N"])} for i in item["items"]["L"]
            ],
            "status": item["status"]["S"],
            "created_at": item["created_at"]["S"],
            "total_quantity": int(item["total_quantity"]["N"]),
        }
        request = check_order(order)
        assert item["request_sha256"]["S"] == request.fingerprint()
        # What was answered, the receipt aside (derived from the stored order when answering, never stored).
        assert {k: v for k, v in accepted[order["order_id"]].items() if k != "receipt"} == order
