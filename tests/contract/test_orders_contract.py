"""The orders API's HTTP contract (docs/api.md), checked over HTTP: every status, replay, 409,
413, bad input naming the field with nothing written, the gateway's 404, the content type of every answer.
The same tests run against `make serve`'s front (make test) and a deployed stage (make e2e STAGE=...)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.contract.conftest import new_id


def order(order_id: str, *quantities: int) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "items": [{"sku": f"SKU-{i}", "quantity": q} for i, q in enumerate(quantities or (2,))],
    }


def answer(response, status: int) -> dict[str, Any]:
    assert response.status == status, (response.status, response.body)
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert isinstance(document, dict)
    return document


def assert_not_stored(api, order_id: str) -> None:
    assert answer(api.request("GET", f"/orders/{order_id}"), 404) == {"error": "order_id: no order with this id"}


def test_a_new_order_is_201_with_the_stored_order(api):
    order_id = new_id("create")
    created = answer(api.post(order(order_id, 2, 3)), 201)
    assert created["order_id"] == order_id and created["status"] == "processed"
    assert created["items"] == order(order_id, 2, 3)["items"] and created["total_quantity"] == 5
    assert datetime.fromisoformat(created["created_at"]).utcoffset() == timedelta(0)
    assert answer(api.request("GET", f"/orders/{order_id}"), 200) == created


def test_an_identical_replay_is_200_with_the_same_order(api):
    order_id = new_id("replay")
    created = answer(api.post(order(order_id)), 201)
    # Same content, other spacing and key order: the same request.
    document = {"items": order(order_id)["items"], "order_id": order_id}
    replay = api.request("POST", "/orders", json.dumps(document, indent=2), {"content-type": "application/json"})
    assert answer(replay, 200) == created  # same created_at: no second write


def test_the_same_id_with_another_body_is_409_and_keeps_the_original(api):
    order_id = new_id("conflict")
    created = answer(api.post(order(order_id, 1)), 201)
    conflict = answer(api.post(order(order_id, 2)), 409)
    assert conflict["error"].startswith("order_id:")
    assert answer(api.request("GET", f"/orders/{order_id}"), 200) == created


def test_an_unknown_order_is_404(api):
    assert_not_stored(api, new_id("missing"))


def test_a_malformed_order_id_in_the_path_is_400(api):
    assert answer(api.request("GET", "/orders/not%20an%20id"), 400)["error"].startswith("order_id:")


def test_a_body_sent_as_binary_is_base64_encoded_by_the_gateway_and_accepted(api):
    order_id = new_id("binary")
    body = json.dumps(order(order_id)).encode()
    created = answer(api.request("POST", "/orders", body, {"content-type": "application/octet-stream"}), 201)
    assert created["order_id"] == order_id


# (field the message names, body with a fresh id in it where it has one)
BAD_BODIES = [
    ("body", lambda i: "{not json"),
    ("body", lambda i: "[1, 2]"),
    ("body", lambda i: ""),
    ("items", lambda i: json.dumps({"order_id": i})),
    ("items", lambda i: json.dumps({"order_id": i, "items": []})),
    ("items", lambda i: json.dumps(order(i, *[1] * 26))),  # config.json allows 25
    ("items[0].quantity", lambda i: json.dumps({"order_id": i, "items": [{"sku": "a", "quantity": True}]})),
    ("items[0].quantity", lambda i: json.dumps({"order_id": i, "items": [{"sku": "a", "quantity": 1001}]})),
    ("items[0].sku", lambda i: json.dumps({"order_id": i, "items": [{"sku": "a b", "quantity": 1}]})),
    ("coupon", lambda i: json.dumps({**order(i), "coupon": "z"})),
    ("order_id", lambda i: json.dumps({**order(i), "order_id": i + " "})),
    # JavaScript's JSON.stringify of a cut-off emoji: a lone surrogate, plain ASCII on the wire.
    ("body", lambda i: '{"\\ud83d": 1, "order_id": "' + i + '"}'),
    ("order_id", lambda i: '{"order_id": "' + i + '\\udfff", "items": []}'),
    (
        "items[0].quantity",
        lambda i: '{"order_id": "' + i + '", "items": [{"sku": "a", "quantity": ' + "9" * 4400 + "}]}",
    ),
    ("body", lambda i: "\ufeff" + json.dumps(order(i))),  # a byte order mark
    ("body", lambda i: "[" * 5000 + "]" * 5000),
]


@pytest.mark.parametrize("field, make_body", BAD_BODIES, ids=[f"{f}-{n}" for n, (f, _) in enumerate(BAD_BODIES)])
def test_bad_input_is_400_naming_the_field_and_writes_nothing(api, field, make_body):
    order_id = new_id("bad")
    error = answer(api.request("POST", "/orders", make_body(order_id), {"content-type": "application/json"}), 400)
    assert error["error"].startswith(f"{field}:"), error
    assert error["error"].isascii() and "\\ud8" not in error["error"].lower()  # never echoes a surrogate
    assert_not_stored(api, order_id)


def test_a_body_over_64_kib_is_413_and_writes_nothing(api):
    order_id = new_id("big")
    body = json.dumps({**order(order_id), "pad": "x" * 70_000})
    assert answer(api.request("POST", "/orders", body, {"content-type": "application/json"}), 413)["error"].startswith(
        "body:"
    )
    encoded = base64.b64encode(body.encode())  # the same limit on the decoded bytes of a binary body
    too_big = api.request("POST", "/orders", encoded, {"content-type": "application/octet-stream"})
    assert answer(too_big, 413)["error"].startswith("body:")
    assert_not_stored(api, order_id)


@pytest.mark.parametrize(
    "method, path",
    [("DELETE", "/orders/x"), ("GET", "/orders"), ("PUT", "/orders"), ("GET", "/nope"), ("GET", "/orders/a/b")],
)
def test_a_request_no_route_matches_is_the_gateways_404(api, method, path):
    assert answer(api.request(method, path), 404) == {"message": "Not Found"}
