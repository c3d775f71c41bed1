"""The xray-sdk backend (common.tracing_xray) through the facade, with the real X-Ray SDK in Lambda mode: the
documents it streams to the daemon (AWS_XRAY_DAEMON_ADDRESS), caught by a stand-in daemon (conftest)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from aws_xray_sdk.core import patcher, xray_recorder
from aws_xray_sdk.core.models.trace_header import TraceHeader

from common import tracing
from tests.unit.runtime.tracing.conftest import (
    OTHER_PARENT,
    OTHER_ROOT,
    PARENT,
    ROOT,
    TRACE,
    OrderNotFound,
    raise_in_step,
    unsent_s3_client,
)


@pytest.fixture
def daemon(in_lambda):
    assert tracing.init() is True
    return in_lambda


def test_a_subsegment_is_a_named_child_of_lambdas_segment_with_annotations_and_metadata(daemon):
    with tracing.subsegment("validate_input") as span:
        span.annotate("order_id", "o-1")
        span.annotate("quantity", 3)
        span.metadata("result", {"items": [1, 2]})
        span.metadata("note", "ok")
    [document] = daemon.receive(1)
    assert (document["name"], document["trace_id"], document["parent_id"]) == ("validate_input", ROOT, PARENT)
    assert document["annotations"] == {"order_id": "o-1", "quantity": 3}  # indexed, searchable
    assert document["metadata"] == {"default": {"result": {"items": [1, 2]}, "note": "ok"}}
    assert "error" not in document and "fault" not in document


def test_botocore_alone_is_patched_and_each_aws_call_is_a_child_of_its_step(daemon):
    patched = set(patcher._PATCHED_MODULES)
    assert patched == {"botocore"}  # not patch_all(): nothing else loads at cold start
    client = unsent_s3_client()
    with tracing.subsegment("load_orders"), pytest.raises(ConnectionAbortedError):
        client.list_buckets()
    call, step = daemon.receive(2)  # each streamed as it closes: the call first
    assert step["name"] == "load_orders"
    assert (call["name"], call["namespace"], call["aws"]["operation"]) == ("s3", "aws", "ListBuckets")
    assert (call["trace_id"], call["parent_id"]) == (ROOT, step["id"])


def test_a_client_error_is_recorded_as_an_error_not_a_fault_and_re_raised(daemon):
    raise_in_step(OrderNotFound("o-404"))
    [document] = daemon.receive(1)
    assert document["error"] is True  # a 4xx in the service map, not a red 5xx
    assert "fault" not in document


def test_any_other_exception_is_recorded_as_a_fault_and_re_raised(daemon):
    raise_in_step(RuntimeError("table unavailable"))
    [document] = daemon.receive(1)
    assert document["fault"] is True
    assert "error" not in document
    [exception] = document["cause"]["exceptions"]
    assert (exception["type"], exception["message"]) == ("RuntimeError", "table unavailable")


def test_an_unsampled_invocation_records_nothing(daemon, monkeypatch):
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={ROOT};Parent={PARENT};Sampled=0")
    with tracing.subsegment("unsampled") as span:
        span.annotate("order_id", "o-1")
        span.metadata("result", {"a": 1})
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={OTHER_ROOT};Parent={OTHER_PARENT};Sampled=1")
    with tracing.subsegment("sampled"):
        pass
    assert [d["name"] for d in daemon.receive(1)] == ["sampled"]  # the first datagram


def test_the_trace_header_is_parsed_once_per_invocation_and_again_for_a_new_one(daemon, monkeypatch):
    # The SDK's own Lambda context re-parses _X_AMZN_TRACE_ID on every lookup (six per subsegment); the
    # backend's context parses it only when Lambda has set a new one (the next invocation).
    parsed: list[str] = []
    parse = TraceHeader.from_header_str.__func__

    def counting(cls, header):
        parsed.append(header)
        return parse(cls, header)

    monkeypatch.setattr(TraceHeader, "from_header_str", classmethod(counting))
    for name in ("validate_input", "save_order", "respond"):
        with tracing.subsegment(name) as span:
            span.annotate("order_id", "o-1")
    assert parsed == [TRACE]

    second = f"Root={OTHER_ROOT};Parent={OTHER_PARENT};Sampled=1"
    monkeypatch.setenv("_X_AMZN_TRACE_ID", second)
    for name in ("validate_input", "save_order"):
        with tracing.subsegment(name):
            pass
    assert parsed == [TRACE, second]
    documents = daemon.receive(5)
    assert [(d["trace_id"], d["parent_id"]) for d in documents] == [(ROOT, PARENT)] * 3 + [
        (OTHER_ROOT, OTHER_PARENT)
    ] * 2


def test_a_worker_thread_handed_the_trace_entity_records_under_it(daemon):
    # The SDK's documented way to trace in a thread: hand it the current entity with set_trace_entity().
    def work(entity):
        xray_recorder.set_trace_entity(entity)
        with tracing.subsegment("in_thread"):
            pass

    with tracing.subsegment("fan_out"):
        worker = threading.Thread(target=work, args=(xray_recorder.get_trace_entity(),))
        worker.start()
        worker.join()
    in_thread, fan_out = daemon.receive(2)
    assert (in_thread["name"], fan_out["name"]) == ("in_thread", "fan_out")
    assert (in_thread["trace_id"], in_thread["parent_id"]) == (ROOT, fan_out["id"])


def test_a_document_whose_exceptions_are_too_big_even_without_stacks_is_not_sent():
    # Hand-made documents, as the SDK serializes a subsegment: an exception recorded without a stack (remote) and
    # one with; a message alone over the limit.
    from common.tracing_xray import _trimmed

    document: dict[str, Any] = {
        "name": "save_to_dynamodb",
        "metadata": {"default": {"result": "x" * 1000}},
        "cause": {"exceptions": [{"message": "m" * 70_000, "remote": True}, {"message": "e", "stack": [{"line": 1}]}]},
    }
    data, dropped, fits = _trimmed(document, 72_000)
    assert (dropped, fits) == (["metadata.result", "exception stack traces"], False)
    assert "stack" not in document["cause"]["exceptions"][1]
    assert data.startswith(b'{"format":"json","version":1}\n')
