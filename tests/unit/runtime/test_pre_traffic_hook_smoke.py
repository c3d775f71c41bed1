"""The hook's smoke-case runner (pre_traffic_hook.smoke): the events it builds, how it judges an answer, and the orders
function's declared cases run against the orders app in-process, as it is and broken."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from pre_traffic_hook.plan import HookPlan
from pre_traffic_hook.smoke import Invocation, SmokeCase, filled, http_api_event, problem_with, run_cases
from tests.orders_local import load_event
from tests.unit.runtime.hook_support import (
    HOOK_SETTINGS,
    ORDERS_SMOKE,
    SMOKE_ID,
    hook_environment,
    in_process,
    queue_orders_answers,
)
from tests.unit.runtime.orders_service import NOW, service

CASES = HookPlan.from_env(hook_environment()).cases
GET = SmokeCase("read", "GET /orders/{order_id}", 200, {"order_id": "{smoke_id}"}, None)
POST = SmokeCase("create", "POST /orders", 201, {}, {"order_id": "{smoke_id}", "items": [{"sku": "S", "quantity": 1}]})
WHEN = datetime(2026, 11, 28, 9, 0, 1, 500000, tzinfo=UTC)


def _keys(value: dict[str, Any]) -> set[str]:
    return set(value)


# --- the events ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "sample"), [(POST, "post_order.json"), (GET, "get_order.json")])
def test_an_event_has_the_shape_of_api_gateways(case: SmokeCase, sample: str) -> None:
    # events/: AWS's documented payload format 2.0 examples (events/SOURCES.md). The hook sends what applies to a
    # request it makes itself: no cookies, query string, stage variables, authorizer or client certificate.
    real = load_event(sample)
    event = http_api_event(case, SMOKE_ID, WHEN, request_id="r-1")
    assert _keys(event) <= _keys(real)
    assert _keys(event["requestContext"]) <= _keys(real["requestContext"])
    assert _keys(event["requestContext"]["http"]) <= _keys(real["requestContext"]["http"])
    assert (event["version"], event["routeKey"], event["isBase64Encoded"]) == ("2.0", case.route, False)
    assert event["requestContext"]["routeKey"] == case.route
    assert event["requestContext"]["http"]["method"] == real["requestContext"]["http"]["method"]
    assert event["requestContext"]["requestId"] == "r-1"
    assert event["rawQueryString"] == "" and event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["stage"] == real["requestContext"]["stage"]
    assert event["headers"] == {"content-type": "application/json", "user-agent": "pre-traffic-hook"}
    assert event["requestContext"]["http"] == {
        "method": case.route.split(" ")[0],
        "path": event["rawPath"],
        "protocol": "HTTP/1.1",
        "userAgent": "pre-traffic-hook",
    }
    assert event["requestContext"]["time"] == "28/Nov/2026:09:00:01 +0000"  # real: "12/Mar/2020:19:03:58 +0000"
    assert event["requestContext"]["timeEpoch"] == 1795856401500


def test_each_event_has_its_own_request_id() -> None:
    first, second = (http_api_event(GET, SMOKE_ID, WHEN)["requestContext"]["requestId"] for _ in range(2))
    assert isinstance(first, str) and len(first) == 36 and first != second


def test_the_smoke_id_fills_the_path_and_body() -> None:
    read = http_api_event(GET, SMOKE_ID, WHEN)
    assert read["pathParameters"] == {"order_id": SMOKE_ID}
    assert read["rawPath"] == read["requestContext"]["http"]["path"] == f"/orders/{SMOKE_ID}"
    assert "body" not in read
    create = http_api_event(POST, SMOKE_ID, WHEN)
    assert "pathParameters" not in create and create["rawPath"] == "/orders"
    assert json.loads(create["body"]) == {"order_id": SMOKE_ID, "items": [{"sku": "S", "quantity": 1}]}
    raw = http_api_event(POST._replace(body="{not json"), SMOKE_ID, WHEN)
    assert raw["body"] == "{not json"  # a string is sent as it is


def test_filled_replaces_the_placeholder_everywhere_and_nothing_else() -> None:
    value = {"a": ["{smoke_id}", {"b": "x-{smoke_id}-y"}], "n": 1, "t": True, "z": None, "k": "{other}"}
    assert filled(value, "S") == {"a": ["S", {"b": "x-S-y"}], "n": 1, "t": True, "z": None, "k": "{other}"}
    assert filled(("{smoke_id}",), "S") == ["S"]


def test_a_greedy_path_parameter_is_filled() -> None:
    case = SmokeCase("proxy", "GET /files/{path+}", 200, {"path": "a/{smoke_id}"}, None)
    assert http_api_event(case, "S", WHEN)["rawPath"] == "/files/a/S"


# --- judging an answer -----------------------------------------------------------------------------------------


def _answer(status: Any, body: str = '{"ok":true}') -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": body}


@pytest.mark.parametrize(
    ("invocation", "problem"),
    [
        (Invocation(_answer(201), None, 12.5), None),
        (Invocation(_answer(201), None, 1000.0), None),  # at the budget is within it
        (Invocation(_answer(201), None, 1000.1), "took 1000.1 ms, over the latency budget of 1000 ms"),
        (
            Invocation(_answer(500, '{"error":"internal error"}'), None, 3.0),
            'answered 500, expected 201: {"error":"internal error"}',
        ),
        (Invocation(_answer("201"), None, 3.0), "answered None, expected 201"),  # a status must be a number
        (Invocation(_answer(True), None, 3.0), "answered None, expected 201"),
        (Invocation(None, None, 3.0), "answered None, expected 201: null"),
        (Invocation({"statusCode": 502}, None, 3.0), 'answered 502, expected 201: {"statusCode": 502}'),
        (
            Invocation({"errorMessage": "Task timed out after 10.01 seconds"}, "Unhandled", 10010.0),
            'the function failed (Unhandled): {"errorMessage": "Task timed out after 10.01 seconds"}',
        ),
    ],
)
def test_an_answer_passes_with_the_expected_status_within_the_budget(
    invocation: Invocation, problem: str | None
) -> None:
    found = problem_with(POST, invocation, 1000)
    assert found == problem if problem is None else found is not None and found.startswith(problem)


def test_a_long_answer_is_cut_in_the_problem() -> None:
    problem = problem_with(POST, Invocation(_answer(500, "x" * 201), None, 1.0), 1000)
    assert problem == f"answered 500, expected 201: {'x' * 200}..."
    whole = problem_with(POST, Invocation(_answer(500, "x" * 200), None, 1.0), 1000)
    assert whole == f"answered 500, expected 201: {'x' * 200}"


# --- the orders cases against the orders app --------------------------------------------------------------------


def test_the_orders_cases_cover_every_route_and_pass_against_the_orders_app() -> None:
    assert [case.name for case in CASES] == ["create", "read back", "replay the create", "bad body", "unknown id"]
    assert [case.expect for case in CASES] == [201, 200, 200, 400, 404]
    with service(HOOK_SETTINGS) as app:
        queue_orders_answers(app)
        results = run_cases(
            CASES, in_process(app), smoke_id=SMOKE_ID, budget_ms=ORDERS_SMOKE.latency_budget_ms, now=lambda: NOW
        )
    assert [(r.case, r.route, r.expected, r.status, r.problem) for r in results] == [
        ("create", "POST /orders", 201, 201, None),
        ("read back", "GET /orders/{order_id}", 200, 200, None),
        ("replay the create", "POST /orders", 200, 200, None),
        ("bad body", "POST /orders", 400, 400, None),
        ("unknown id", "GET /orders/{order_id}", 404, 404, None),
    ]
    assert all(r.passed and r.duration_ms is not None and r.duration_ms < 1000 for r in results)


def test_a_version_whose_create_fails_fails_the_cases_that_need_it() -> None:
    with service(HOOK_SETTINGS) as app:
        queue_orders_answers(app, broken=True)
        results = run_cases(CASES, in_process(app), smoke_id=SMOKE_ID, budget_ms=1000, now=lambda: NOW)
    assert {r.case: r.problem for r in results if not r.passed} == {
        "create": 'answered 500, expected 201: {"error":"internal error"}',
        "read back": 'answered 404, expected 200: {"error":"order_id: no order with this id"}',
        "replay the create": 'answered 500, expected 200: {"error":"internal error"}',
    }


def test_an_invoke_that_raises_fails_its_case_and_the_others_still_run() -> None:
    calls = []

    def invoke(event: dict[str, Any]) -> Invocation:
        calls.append(event["routeKey"])
        if len(calls) == 1:
            raise ConnectionError("connection refused")
        return Invocation(_answer(200), None, 1.0)

    results = run_cases([POST, GET], invoke, smoke_id="S", budget_ms=10, now=lambda: WHEN)
    assert calls == ["POST /orders", "GET /orders/{order_id}"]
    assert results[0].problem == "could not invoke the function: ConnectionError: connection refused"
    assert (results[0].status, results[0].duration_ms) == (None, None)
    assert results[1].passed


def test_a_result_carries_the_duration_to_the_microsecond() -> None:
    [result] = run_cases(
        [POST], lambda event: Invocation(_answer(201), None, 1.23456), smoke_id="S", budget_ms=10, now=lambda: WHEN
    )
    assert result.duration_ms == 1.235


def test_cases_stop_starting_when_the_hooks_time_runs_out() -> None:
    left = [60_000.0, 50_001.0, 50_000.0, 40_000.0]
    results = run_cases(
        [POST, POST._replace(name="second"), POST._replace(name="third"), POST._replace(name="fourth")],
        lambda event: Invocation(_answer(201), None, 1.0),
        smoke_id="S",
        budget_ms=10,
        now=lambda: WHEN,
        time_left_ms=lambda: left.pop(0),
        case_allowance_ms=50_000,
    )
    assert [(r.case, r.problem) for r in results] == [
        ("create", None),
        ("second", None),
        ("third", "not run: the hook's own time is running out"),
        ("fourth", "not run: the hook's own time is running out"),
    ]


@pytest.mark.parametrize(("left", "runs"), [(0.5, True), (0.0, False)])
def test_without_an_allowance_a_case_starts_while_any_time_is_left(left: float, runs: bool) -> None:
    results = run_cases(
        [POST],
        lambda event: Invocation(_answer(201), None, 1.0),
        smoke_id="S",
        budget_ms=10,
        now=lambda: WHEN,
        time_left_ms=lambda: left,
    )
    assert results[0].passed is runs
