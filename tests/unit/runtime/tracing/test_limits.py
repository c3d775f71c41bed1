"""X-Ray's limits, the same in both backends (common.tracing_limits): annotations X-Ray would not index are dropped
with the same warning, a span too big for one datagram is trimmed and sent (one log line per invocation), and a
daemon that cannot be reached is logged at most once a minute. Each case runs against both backends' real output."""

from __future__ import annotations

import logging

import pytest

from common import tracing
from common.tracing_limits import DATAGRAM_LIMIT, RateLimitedLog
from tests.unit.runtime.tracing.conftest import (
    OTHER_PARENT,
    OTHER_ROOT,
    annotations_of,
    metadata_of,
    received,
)

LOGGER = "common.tracing"
KEY_RULE = "the key must be 1 to 500 characters of A-Z, a-z, 0-9 and _"
NEXT_TRACE = f"Root={OTHER_ROOT};Parent={OTHER_PARENT};Sampled=1"


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("order-id", "o-1", KEY_RULE),  # the X-Ray SDK's own check, which OpenTelemetry lacks
        ("order.id", "o-1", KEY_RULE),
        ("注文", "o-1", KEY_RULE),
        ("", "o-1", KEY_RULE),
        ("k" * 501, "o-1", KEY_RULE),
        ("note", "x" * 1001, "a string value is at most 1000 characters, this one has 1001"),
        ("items", ["a"], "the value must be a string, a number or a boolean, not list"),
    ],
    ids=["hyphen", "dot", "non-ascii", "empty", "key-501", "value-1001", "list"],
)
def test_an_annotation_x_ray_would_not_index_is_dropped_with_one_warning(backend_daemon, caplog, key, value, reason):
    with tracing.subsegment("validate_input") as span:
        span.annotate(key, value)
        span.annotate("order_id", "o-1")
    [step] = received(backend_daemon)
    assert annotations_of(step) == {"order_id": "o-1"}
    assert warnings(caplog) == [f"tracing: annotation {key!r} dropped: {reason}"]


def test_the_longest_key_and_value_x_ray_indexes_are_kept(backend_daemon, caplog):
    with tracing.subsegment("validate_input") as span:
        span.annotate("k" * 500, "v" * 1000)
        span.annotate("Order_ID_2", 2.5)
    [step] = received(backend_daemon)
    assert annotations_of(step) == {"k" * 500: "v" * 1000, "Order_ID_2": 2.5}
    assert warnings(caplog) == []


def test_fifty_annotations_per_trace_and_a_new_trace_starts_again(backend_daemon, caplog, monkeypatch):
    with tracing.subsegment("first") as span:
        for n in range(30):
            span.annotate(f"a{n}", n)
        span.annotate("a0", "again")  # the same key again replaces its value: not a new annotation
    with tracing.subsegment("second") as span:
        for n in range(30, 52):
            span.annotate(f"a{n}", n)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", NEXT_TRACE)  # the next invocation
    with tracing.subsegment("next_trace") as span:
        span.annotate("a0", 0)
    first, second, next_trace = received(backend_daemon)
    assert len(annotations_of(first)) == 30 and annotations_of(first)["a0"] == "again"
    assert sorted(annotations_of(second)) == sorted(f"a{n}" for n in range(30, 50))
    assert annotations_of(next_trace) == {"a0": 0}
    assert warnings(caplog) == [
        f"tracing: annotation {key!r} dropped: X-Ray indexes at most 50 annotations per trace" for key in ("a50", "a51")
    ]


def big(kilobytes: int) -> list[str]:
    """Metadata of about ``kilobytes`` KB (a list of order lines as process_order records)."""
    return [f"order-line-{n:06d}" for n in range(kilobytes * 1024 // 22)]


def test_a_span_too_big_for_a_datagram_is_sent_without_its_largest_metadata(backend_daemon, caplog):
    with tracing.subsegment("process_order") as span:
        span.annotate("order_id", "o-1")
        span.metadata("note", "kept")
        span.metadata("result", big(80))
    [step] = received(backend_daemon)  # delivered: not lost as one datagram over 65,507 bytes would be
    metadata = metadata_of(step)
    trimmed = metadata.pop("trimmed")
    assert metadata == {"note": "kept"}  # the small value stays
    assert trimmed["dropped"] == ["metadata.result"]
    assert trimmed["original_bytes"] > DATAGRAM_LIMIT and trimmed["limit_bytes"] == DATAGRAM_LIMIT
    assert annotations_of(step) == {"order_id": "o-1"}  # searchable as before
    [line] = warnings(caplog)
    assert line.startswith("tracing: span 'process_order' of trace 1-5759e988-bd862e3fe1be46a994272793 was ")
    assert "over the 65507-byte datagram limit: sent without metadata.result" in line


def test_one_log_line_per_invocation_however_many_spans_are_trimmed(backend_daemon, caplog, monkeypatch):
    for header in (None, NEXT_TRACE):
        if header:
            monkeypatch.setenv("_X_AMZN_TRACE_ID", header)
        for name in ("first", "second"):
            with tracing.subsegment(name) as span:
                span.metadata("result", big(70))
    spans = received(backend_daemon)
    assert [s["name"] for s in spans] == ["first", "second"] * 2
    assert all(metadata_of(s)["trimmed"]["dropped"] == ["metadata.result"] for s in spans)
    assert [line.split(" was ")[0] for line in warnings(caplog)] == [
        "tracing: span 'first' of trace 1-5759e988-bd862e3fe1be46a994272793",
        f"tracing: span 'first' of trace {OTHER_ROOT}",
    ]


def test_a_span_that_cannot_be_trimmed_enough_is_not_sent_and_logged(backend_daemon, caplog):
    with tracing.subsegment("n" * 70_000):  # its name alone is over the limit
        pass
    with tracing.subsegment("after"):
        pass
    assert [s["name"] for s in received(backend_daemon)] == ["after"]
    [line] = warnings(caplog)
    assert "over the 65507-byte datagram limit: not sent: trimming could not make it fit" in line


@pytest.mark.parametrize("environment", ["in_lambda", "in_lambda_otel"], ids=["xray-sdk", "otel"])
def test_an_unreachable_daemon_is_logged_once_not_per_span(request, environment, caplog, monkeypatch):
    request.getfixturevalue(environment)
    # Sending to the broadcast address without SO_BROADCAST is refused by the kernel (EACCES): every send fails.
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", "255.255.255.255:2000")
    assert tracing.init() is True
    for name in ("validate_input", "process_order", "save_to_dynamodb"):
        with tracing.subsegment(name):
            pass
    [line] = warnings(caplog)
    assert "could not send" in line and "255.255.255.255" in line


def test_the_rate_limited_log_writes_once_a_minute_and_counts_what_it_left_out(caplog):
    now = [0.0]
    log = RateLimitedLog(clock=lambda: now[0])
    for t in (0.0, 30.0, 59.9, 60.0, 61.0, 125.0):
        now[0] = t
        log.warning("tracing: send failed at %s", t)
    assert warnings(caplog) == [
        "tracing: send failed at 0.0",
        "tracing: send failed at 60.0 (2 more since the last such line)",
        "tracing: send failed at 125.0 (1 more since the last such line)",
    ]
