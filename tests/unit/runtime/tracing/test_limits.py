"""X-Ray's limits, the same in both backends (common.tracing_limits): annotations X-Ray would not index are dropped
with the same warning, a span too big for one datagram is trimmed and sent (one log line per invocation), and a
daemon that cannot be reached is logged at most once a minute. Each case runs against both backends' real output."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from common import tracing
from common.tracing_limits import (
    ANNOTATIONS,
    DATAGRAM_LIMIT,
    AnnotationBudget,
    OncePerInvocation,
    RateLimitedLog,
    largest_first,
    trim,
)
from tests.unit.runtime.tracing.conftest import (
    OTHER_PARENT,
    OTHER_ROOT,
    annotations_of,
    lambda_context,
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
    assert line == (
        f"tracing: span 'process_order' of trace 1-5759e988-bd862e3fe1be46a994272793 was {trimmed['original_bytes']} "
        "bytes, over the 65507-byte datagram limit: sent without metadata.result "
        "(other trimmed spans of this invocation carry the 'trimmed' marker, not logged)"
    )


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
    backend = "xray-sdk" if environment == "in_lambda" else "otel"
    what = "a trace document" if backend == "xray-sdk" else "spans"
    assert line == f"tracing: {backend} could not send {what} to 255.255.255.255:2000: [Errno 13] Permission denied"


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


def deep_failure(depth: int, name_length: int) -> Exception:
    """An exception raised through ``depth`` functions whose names are ``name_length`` characters long: a stack
    trace of about depth x name_length bytes (hand-made test data: real names are shorter, stacks deeper). Distinct
    functions: Python's traceback folds repeated frames of a recursion into one line."""
    names = [f"f{n}_" + "x" * name_length for n in range(depth)]
    source = "".join(f"def {name}():\n    {names[n + 1]}()\n" for n, name in enumerate(names[:-1]))
    source += f"def {names[-1]}():\n    raise RuntimeError('deep')\n"
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    try:
        namespace[names[0]]()
    except RuntimeError as exc:
        return exc
    raise AssertionError("not raised")


def test_stack_traces_go_after_the_metadata_when_that_is_not_enough(backend_daemon, caplog):
    # The X-Ray SDK records 10 frames of a stack (its max_trace_back); OpenTelemetry the whole traceback.
    error = deep_failure(depth=12, name_length=12_000)
    with pytest.raises(RuntimeError), tracing.subsegment("process_order") as span:
        span.metadata("result", big(8))
        raise error
    [step] = received(backend_daemon)
    trimmed = metadata_of(step)["trimmed"]
    assert trimmed["dropped"] == ["metadata.result", "exception stack traces"]
    assert trimmed["original_bytes"] > DATAGRAM_LIMIT  # the size before anything went
    if "attributes" in step:  # OpenTelemetry: the exception event stays, with its type and message
        assert step["events"] == ["exception"]
    else:
        [exception] = step["cause"]["exceptions"]
        assert (exception["type"], exception["message"], "stack" in exception) == ("RuntimeError", "deep", False)
    assert "sent without metadata.result, exception stack traces" in warnings(caplog)[0]


def test_a_span_that_cannot_fit_leaves_the_rest_of_its_invocation_sent(backend_daemon, caplog):
    def handler(event: Any, context: Any) -> None:
        with tracing.subsegment("n" * 70_000):
            pass
        with tracing.subsegment("after"):
            pass

    tracing.handler(handler)({}, lambda_context())
    names = [s["name"] for s in received(backend_daemon)]
    assert "after" in names and not [n for n in names if n.startswith("nnn")]


def test_trim_applies_steps_only_while_the_span_is_over_the_limit():
    sizes = iter([DATAGRAM_LIMIT + 1, DATAGRAM_LIMIT, DATAGRAM_LIMIT])
    applied: list[str] = []
    fits = trim(lambda: next(sizes), [lambda: applied.append("first"), lambda: applied.append("second")])
    assert (fits, applied) == (True, ["first"])  # exactly the limit fits
    assert trim(lambda: DATAGRAM_LIMIT + 1, [lambda: applied.append("third")]) is False
    sizes = iter([DATAGRAM_LIMIT + 1, DATAGRAM_LIMIT])  # the last step brings it to exactly the limit
    assert trim(lambda: next(sizes), [lambda: applied.append("last")]) is True
    assert applied == ["first", "third", "last"]


def test_each_budget_counts_its_own_trace(monkeypatch):
    budget = AnnotationBudget()  # as a process starts with it
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={OTHER_ROOT};Parent={OTHER_PARENT};Sampled=1")
    assert all(budget.accepts(f"k{n}", n, new=True) for n in range(50))
    assert budget.accepts("k50", 50, new=True) is False
    assert budget.accepts("k0", "again", new=False) is True  # a key set again costs nothing


def test_largest_metadata_values_go_first():
    metadata = {"small": 1, "large": ["x" * 50], "medium": "y" * 20}
    assert largest_first(metadata) == ["large", "medium", "small"]


def test_outside_a_trace_the_limits_still_apply_and_the_log_says_so(monkeypatch, caplog):
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    monkeypatch.setattr(ANNOTATIONS, "_counts", {})
    assert ANNOTATIONS.accepts("order_id", "o-1", new=True) is True
    assert ANNOTATIONS._counts == {"": 1}
    OncePerInvocation().report("step", 70_000, ["metadata.result"], sent=True)
    assert warnings(caplog) == [
        "tracing: span 'step' of trace - was 70000 bytes, over the 65507-byte datagram limit: sent without "
        "metadata.result (other trimmed spans of this invocation carry the 'trimmed' marker, not logged)"
    ]


class Document:
    """Hand-made: what the X-Ray SDK's emitter is given (a name and serialize()), of an exact size."""

    def __init__(self, size: int) -> None:
        self.name = "exact"
        header = len(b'{"format":"json","version":1}\n')
        self._json = '{"name":"exact","pad":"' + "x" * (size - header - len('{"name":"exact","pad":""}')) + '"}'

    def serialize(self) -> str:
        return self._json


def test_an_x_ray_document_of_exactly_the_limit_is_sent_as_it_is(in_lambda):
    assert tracing.init() is True
    from aws_xray_sdk.core import xray_recorder

    document = Document(DATAGRAM_LIMIT)
    xray_recorder.emitter.send_entity(document)
    [received_document] = in_lambda.receive(1)
    assert received_document == json.loads(document.serialize())  # not trimmed: no marker
