"""Running a function's smoke cases through any way of invoking it, and judging each answer.

A case is a request to one route (HTTP API payload format 2.0, the event API Gateway would send) and the status the
function must answer with, within the latency budget. ``run_cases`` takes the invoke function: the hook passes one
that invokes the new version through Lambda's Invoke API (``pre_traffic_hook.version``); a test may pass one that
calls a handler in-process or a local Invoke API. Standard library only.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

SMOKE_ID = "{smoke_id}"  # replaced in every string of a case (stacks/smoke_cases.py declares the same)
USER_AGENT = "pre-traffic-hook"
_PATH_PARAMETER = re.compile(r"\{([^}+]+)\+?\}")
_EXCERPT_CHARACTERS = 200  # of the function's answer, in a failed case's problem


class SmokeCase(NamedTuple):
    name: str
    route: str  # "GET /orders/{order_id}"
    expect: int
    path: Mapping[str, str]
    body: Any  # JSON-encoded when sent; a str is sent as it is; None: no body

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SmokeCase:
        return cls(
            str(data["name"]), str(data["route"]), int(data["expect"]), dict(data.get("path") or {}), data.get("body")
        )


class Invocation(NamedTuple):
    payload: Any  # what the function returned, or Lambda's error object when it raised
    function_error: str | None  # Lambda's FunctionError ("Unhandled") when the function raised or timed out
    duration_ms: float  # how long it ran: Lambda's Duration where known (init excluded), else the call's wall time


Invoke = Callable[[dict[str, Any]], Invocation]


class CaseResult(NamedTuple):
    case: str
    route: str
    expected: int
    status: int | None  # the answer's statusCode, None when there was no answer
    duration_ms: float | None
    problem: str | None  # None: passed

    @property
    def passed(self) -> bool:
        return self.problem is None


def filled(value: Any, smoke_id: str) -> Any:
    """``value`` with ``{smoke_id}`` replaced in every string inside it."""
    if isinstance(value, str):
        return value.replace(SMOKE_ID, smoke_id)
    if isinstance(value, Mapping):
        return {key: filled(item, smoke_id) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [filled(item, smoke_id) for item in value]
    return value


def http_api_event(case: SmokeCase, smoke_id: str, now: datetime, request_id: str | None = None) -> dict[str, Any]:
    """The event API Gateway's HTTP API (payload format 2.0) would send for this case's request."""
    method, _, template = case.route.partition(" ")
    parameters = {name: filled(value, smoke_id) for name, value in case.path.items()}
    path = _PATH_PARAMETER.sub(lambda match: parameters[match.group(1)], template)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": case.route,
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "user-agent": USER_AGENT},
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "userAgent": USER_AGENT},
            "requestId": request_id or str(uuid.uuid4()),
            "routeKey": case.route,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S %z"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if parameters:
        event["pathParameters"] = parameters
    body = filled(case.body, smoke_id)
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    return event


def problem_with(case: SmokeCase, invocation: Invocation, budget_ms: float) -> str | None:
    """Why ``invocation`` fails ``case``, or None."""
    if invocation.function_error:
        return f"the function failed ({invocation.function_error}): {_excerpt(invocation.payload)}"
    status = _status(invocation.payload)
    if status != case.expect:
        return f"answered {status}, expected {case.expect}: {_excerpt(invocation.payload)}"
    if invocation.duration_ms > budget_ms:
        return f"took {invocation.duration_ms:.1f} ms, over the latency budget of {budget_ms:g} ms"
    return None


def run_cases(
    cases: Sequence[SmokeCase],
    invoke: Invoke,
    *,
    smoke_id: str,
    budget_ms: float,
    now: Callable[[], datetime],
    time_left_ms: Callable[[], float] = lambda: float("inf"),
    case_allowance_ms: float = 0,
) -> list[CaseResult]:
    """Every case, in order; each is invoked only while ``time_left_ms()`` exceeds ``case_allowance_ms`` (what one
    case may take at most), and reported as not run otherwise."""
    results = []
    for case in cases:
        if time_left_ms() <= case_allowance_ms:
            results.append(_result(case, None, "not run: the hook's own time is running out"))
            continue
        try:
            invocation = invoke(http_api_event(case, smoke_id, now()))
        except Exception as error:  # the case fails; the next ones still run
            results.append(_result(case, None, f"could not invoke the function: {type(error).__name__}: {error}"))
            continue
        results.append(_result(case, invocation, problem_with(case, invocation, budget_ms)))
    return results


def _result(case: SmokeCase, invocation: Invocation | None, problem: str | None) -> CaseResult:
    return CaseResult(
        case.name,
        case.route,
        case.expect,
        _status(invocation.payload) if invocation else None,
        round(invocation.duration_ms, 3) if invocation else None,  # ms, to the microsecond
        problem,
    )


def _status(payload: Any) -> int | None:
    status = payload.get("statusCode") if isinstance(payload, dict) else None
    return status if isinstance(status, int) and not isinstance(status, bool) else None


def _excerpt(payload: Any) -> str:
    text = payload.get("body", payload) if isinstance(payload, dict) and "statusCode" in payload else payload
    text = text if isinstance(text, str) else json.dumps(text)
    return text if len(text) <= _EXCERPT_CHARACTERS else text[:_EXCERPT_CHARACTERS] + "..."
