"""The function's contract, in-process against moto server over HTTP."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.config import Config

from common.event_source import UnsupportedEvent
from tests.integration.events import body_of, get, order, post
from tests.integration.throttling_proxy import ThrottlingProxy


def test_create_returns_the_stored_order(app, stack):
    response = app(post(order("o-1", 2, 3)))
    assert response["statusCode"] == 201
    created = body_of(response)
    assert created["order_id"] == "o-1" and created["status"] == "processed"
    assert created["items"] == order("o-1", 2, 3)["items"]
    assert created["total_quantity"] == 5
    assert datetime.fromisoformat(created["created_at"]).utcoffset() == timedelta(0)
    [item] = stack.items()
    assert item["order_id"] == {"S": "o-1"} and item["total_quantity"] == {"N": "5"}
    assert body_of(app(get("o-1"))) == created


def test_base64_body_is_decoded_first(app):
    assert app(post(order("b64"), base64_encoded=True))["statusCode"] == 201


def test_replay_returns_the_same_order_without_a_second_write(app, stack):
    first = body_of(app(post(order("o-2"))))
    before = stack.items()
    time.sleep(0.002)  # a second write would carry a later created_at
    # Same content, different spacing and key order: still the same request.
    replay = app(post(json.dumps({"items": order("o-2")["items"], "order_id": "o-2"}, indent=2), raw=True))
    assert replay["statusCode"] == 200
    assert body_of(replay) == first
    assert stack.items() == before


def test_same_id_with_different_body_conflicts_and_keeps_the_original(app, stack):
    app(post(order("o-3", 1)))
    before = stack.items()
    response = app(post(order("o-3", 2)))
    assert response["statusCode"] == 409
    assert "order_id" in body_of(response)["error"]
    assert stack.items() == before


@pytest.mark.parametrize("same_body", [True, False])
def test_concurrent_writers_of_one_id_write_once(make_app, stack, same_body):
    # Separate clients: separate connections, as separate Lambdas. One attempt, no read timeout to speak of: a write
    # retried after a timeout whose first attempt landed is answered 200 (its own order, replayed), which is right,
    # but this test is about concurrent writers, and a loaded machine would make it about retries.
    unhurried = Config(read_timeout=120, retries={"mode": "standard", "total_max_attempts": 1})
    apps = [make_app(config=unhurried) for _ in range(6)]
    barrier = threading.Barrier(len(apps))
    results: list[dict[str, Any]] = [{} for _ in apps]  # each thread fills its own slot

    def send(i):
        barrier.wait()
        results[i] = apps[i](post(order("race", 1 if same_body else i + 1)))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(apps))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r["statusCode"] for r in results)
    assert statuses == ([200] * 5 + [201] if same_body else [201] + [409] * 5), results
    [item] = stack.items()
    winner = next(body_of(r) for r in results if r["statusCode"] == 201)
    assert item["created_at"] == {"S": winner["created_at"]}
    if same_body:  # every caller got the one stored order
        assert all(body_of(r) == winner for r in results)


def test_get_order_statuses(app):
    app(post(order("o-4")))
    assert app(get("o-4"))["statusCode"] == 200
    missing = app(get("nope"))
    assert missing["statusCode"] == 404 and "order_id" in body_of(missing)["error"]
    for bad in ("a/b", "a" * 65, "", 5, None):
        response = app(get(bad))
        assert response["statusCode"] == 400 and body_of(response)["error"].startswith("order_id:")
    no_params = get("x")
    del no_params["pathParameters"]
    assert app(no_params)["statusCode"] == 400


@pytest.mark.parametrize("route_key", ["DELETE /orders/{order_id}", "$default", "GET /orders"])
def test_unknown_routes_are_404(app, route_key):
    response = app({**get("x"), "routeKey": route_key})
    assert response["statusCode"] == 404 and "error" in body_of(response)


@pytest.mark.parametrize(
    "event",
    [None, [], "POST /orders", 42, {}, {"routeKey": "POST /orders", "body": "{}"}, {**post(order()), "version": "1.0"}],
)
def test_an_event_that_is_not_an_http_api_event_fails_the_invocation(app, stack, event):
    with pytest.raises(UnsupportedEvent):  # Lambda reports an error: the source retries or dead-letters
        app(event)
    assert stack.items() == []


# Bad bodies (400/413 naming the field, nothing written) are the HTTP contract: tests/contract checks each
# over HTTP, through make serve's front and real function processes.


def test_config_change_takes_effect_after_the_ttl(make_app, stack, monotonic):
    stack.put_config({"max_items_per_order": 2})
    app = make_app(ttl=60, monotonic=monotonic)
    assert app(post(order("t-1", 1, 1, 1)))["statusCode"] == 400  # 3 items > 2
    stack.put_config({"max_items_per_order": 3})
    monotonic.advance(59.9)
    assert app(post(order("t-2", 1, 1, 1)))["statusCode"] == 400  # still cached
    monotonic.advance(0.1)
    assert app(post(order("t-3", 1, 1, 1)))["statusCode"] == 201


GENERIC_503 = "service temporarily unavailable, please retry"


def assert_generic_503(response, stack):
    assert response["statusCode"] == 503
    assert body_of(response) == {"error": GENERIC_503}
    for secret in (stack.bucket, stack.table, "arn:", "Traceback", "config.json"):
        assert secret not in response["body"]


@pytest.mark.parametrize(
    "break_config",
    [
        lambda s: s.delete_config(),
        lambda s: s.put_config(b"{not json"),
        lambda s: s.put_config(b"\xff\xfe"),
        lambda s: s.put_config([1, 2]),
        lambda s: s.put_config({"max_items_per_order": "many"}),
    ],
    ids=["missing", "not-json", "not-utf8", "not-object", "bad-limit"],
)
def test_config_failure_is_503_then_recovers_without_waiting_for_the_ttl(make_app, stack, break_config):
    break_config(stack)
    app = make_app(ttl=300)
    assert_generic_503(app(post(order("c-1"))), stack)
    assert_generic_503(app(post(order("c-1"))), stack)  # not cached: tried again, still broken
    assert stack.items() == []
    errors = [e for e in app.logs() if e["level"] == "ERROR"]
    assert errors and errors[0]["exception_type"] == "ConfigUnavailable"
    assert stack.bucket in errors[0]["exception_message"]  # details are in the log only
    stack.put_config({"max_items_per_order": 25})
    assert app(post(order("c-1")))["statusCode"] == 201


def test_client_errors_stay_400_while_config_is_down(make_app, stack):
    stack.delete_config()
    app = make_app()
    assert app(post({"order_id": "x", "items": []}))["statusCode"] == 400


def test_throttling_is_retried_then_503_and_nothing_written(make_app, stack):
    with ThrottlingProxy(stack.endpoint, "PutItem", throttle=100) as proxy:
        app = make_app(dynamodb_endpoint=proxy.endpoint_url)
        assert_generic_503(app(post(order("th-1"))), stack)
        assert proxy.seen == 3  # standard retry mode: 3 attempts
    assert stack.items() == []
    [error] = [e for e in app.logs() if e["level"] == "ERROR"]
    assert error["exception_type"] == "ProvisionedThroughputExceededException"
    assert "reached max retries: 2" in error["exception_message"]


def test_throttling_that_clears_within_the_retries_succeeds(make_app, stack):
    with ThrottlingProxy(stack.endpoint, "PutItem", throttle=1) as proxy:
        app = make_app(dynamodb_endpoint=proxy.endpoint_url)
        assert app(post(order("th-2")))["statusCode"] == 201
        assert proxy.seen == 2
    assert len(stack.items()) == 1


def test_missing_table_is_503(make_app, stack):
    stack.dynamodb.delete_table(TableName=stack.table)
    assert_generic_503(make_app()(post(order("nt-1"))), stack)


def test_a_bug_is_500_with_details_only_in_the_log(make_app, stack):
    app = make_app(clock=datetime.now)  # a clock that breaks the contract: a naive datetime
    response = app(post(order("bug-1")))
    assert response["statusCode"] == 500 and body_of(response) == {"error": "internal error"}
    assert stack.items() == []
    [error] = [e for e in app.logs() if e["level"] == "ERROR"]
    assert error["exception_type"] == "ValueError" and "Traceback" in error["traceback"]


def test_every_request_logs_one_json_line_with_status(app):
    app(post(order("log-1")))
    app(get("missing"))
    entries = app.logs()
    assert [(e["message"], e["status_code"]) for e in entries] == [("request handled", 201), ("request handled", 404)]
    assert all(e["request_id"] for e in entries)
