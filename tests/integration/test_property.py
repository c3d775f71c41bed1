"""Property: whatever event arrives, the response is well-formed, a client's mistake is never a 5xx,
nothing escapes as an exception, and the table only ever holds valid orders."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.validation import parse_order_request

ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
valid_ids = st.text(alphabet=ID_ALPHABET, min_size=1, max_size=64)  # [A-Za-z0-9_-]{1,64}
# A few ids used over and over, so that replays and conflicting bodies happen often.
reused_ids = st.sampled_from(["p-1", "p-2", "p-3"])
ids = st.one_of(reused_ids, valid_ids, st.text(max_size=70), st.integers(), st.none())

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False), st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)

valid_items = st.lists(
    st.fixed_dictionaries({"sku": st.sampled_from(["A", "B"]) | valid_ids, "quantity": st.integers(1, 1000)}),
    min_size=1,
    max_size=26,  # 26: one over config.json's limit of 25
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


@st.composite
def bodies(draw):
    kind = draw(st.sampled_from(["valid", "valid", "fixed", "near", "json", "text", "binary"]))
    if kind == "binary":
        return base64.b64encode(draw(st.binary(max_size=64))).decode(), True
    if kind == "text":
        return draw(st.text(max_size=200)), draw(st.booleans())
    value = draw({"valid": valid_orders, "fixed": fixed_orders, "near": near_orders, "json": json_values}[kind])
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()):
        return base64.b64encode(text.encode()).decode(), True
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
other_events = st.one_of(
    json_values,
    st.dictionaries(st.text(max_size=10), json_values, max_size=5),
    st.builds(lambda r, b: {"routeKey": r, "body": b}, st.text(max_size=30), json_values),
)
events = st.one_of(post_events(), post_events(), post_events(), get_events, other_events)

CLIENT_STATUSES = {400, 404, 409, 413}


def check_order(order):
    request = parse_order_request({"order_id": order["order_id"], "items": order["items"]})
    assert len(request.items) <= 25
    assert order["status"] == "processed"
    assert order["total_quantity"] == sum(i["quantity"] for i in order["items"])
    assert datetime.fromisoformat(order["created_at"]).utcoffset() == timedelta(0)
    return request


def test_any_event_gets_a_well_formed_answer_and_only_valid_orders_are_stored(app, stack):
    accepted: dict[str, dict[str, Any]] = {}

    @settings(
        max_examples=500,
        deadline=None,
        database=None,  # no .hypothesis/ directory in the work tree
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(event=events)
    def one_request(event):
        response = app(event)  # raising would fail the test: the handler must never raise
        assert set(response) == {"statusCode", "headers", "body", "isBase64Encoded"}
        assert response["headers"] == {"content-type": "application/json"}
        status, body = response["statusCode"], json.loads(response["body"])
        assert isinstance(body, dict)
        assert status in {200, 201} | CLIENT_STATUSES, (status, body, event)
        if status in CLIENT_STATUSES:
            assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]
        else:
            check_order(body)
            if status == 201:
                assert body["order_id"] not in accepted
                accepted[body["order_id"]] = body
            else:
                assert accepted[body["order_id"]] == body  # a replay or a GET answers the stored order

    one_request()

    stored = stack.items()
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
        assert accepted[order["order_id"]] == order
