"""The otel backend (common.tracing_otel) through the facade, with the real OpenTelemetry SDK: the OTLP spans it
sends to the daemon (AWS_XRAY_DAEMON_ADDRESS), caught and decoded by a stand-in daemon (conftest)."""

from __future__ import annotations

import atexit
import datetime
import importlib.metadata
import json
import sys
from decimal import Decimal

import pytest
from lambda_kit.local.otlp_receiver import OtlpUdpReceiver

from common import tracing
from common.tracing_otel_export import XRayDaemonUdpExporter
from tests.unit.runtime.tracing.conftest import (
    LAMBDA_RESOURCE,
    LAMBDA_VARIABLES,
    OTHER_PARENT,
    OTHER_ROOT,
    PARENT,
    ROOT,
    OrderNotFound,
    raise_in_step,
    unsent_s3_client,
)


class OrderConflict(Exception):
    status_code = 409


class NoStatus(Exception):
    pass


class ServerSideStatus(Exception):
    status_code = 503


class TextStatus(Exception):
    status_code = "404"


@pytest.fixture
def daemon(in_lambda_otel):
    assert tracing.init() is True
    return in_lambda_otel


def test_a_subsegment_is_a_child_of_lambdas_segment_and_aws_calls_are_its_children(daemon):
    client = unsent_s3_client()
    with tracing.subsegment("load_orders"), pytest.raises(ConnectionAbortedError):
        client.list_buckets()
    call, step = daemon.receive(2)  # each exported as it ends: the call first
    assert (step["name"], step["kind"], step["trace_id"], step["parent_id"]) == (
        "load_orders",
        "INTERNAL",
        ROOT,
        PARENT,
    )
    assert step["resource"] == LAMBDA_RESOURCE  # service.name: X-Ray's name for the service
    assert step["scope"] == "common.tracing_otel"
    assert (call["name"], call["kind"], call["scope"]) == (
        "S3.ListBuckets",
        "CLIENT",
        "opentelemetry.instrumentation.botocore",
    )
    assert (call["trace_id"], call["parent_id"]) == (ROOT, step["id"])
    assert call["resource"] == LAMBDA_RESOURCE
    assert step["sampled"] is call["sampled"] is True  # "T1S"


def test_the_service_name_without_a_function_name_is_opentelemetrys_default(in_lambda_otel, monkeypatch):
    for variable in LAMBDA_VARIABLES:
        if variable != "LAMBDA_TASK_ROOT":
            monkeypatch.delenv(variable)
    assert tracing.init() is True
    with tracing.subsegment("step"):
        pass
    [span] = in_lambda_otel.receive(1)
    assert span["resource"] == {
        "service.name": "unknown_service",
        "cloud.provider": "aws",
        "cloud.platform": "aws_lambda",
    }


def test_the_parent_is_read_from_each_invocations_header(daemon, monkeypatch):
    with tracing.subsegment("first"):
        pass
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={OTHER_ROOT};Parent={OTHER_PARENT};Sampled=1")
    with tracing.subsegment("second"):
        pass
    assert [(s["name"], s["trace_id"], s["parent_id"]) for s in daemon.receive(2)] == [
        ("first", ROOT, PARENT),
        ("second", OTHER_ROOT, OTHER_PARENT),
    ]


@pytest.mark.parametrize(
    "header",
    [
        f"Root={ROOT};Parent={PARENT};Sampled=0",  # Lambda's decision: not sampled
        f"Root={ROOT};Sampled=1",  # no parent to join: the backend never starts a trace of its own
        "Root=not-a-trace-id",
    ],
)
def test_nothing_is_recorded_without_a_sampled_parent(daemon, monkeypatch, header):
    monkeypatch.setenv("_X_AMZN_TRACE_ID", header)
    client = unsent_s3_client()
    with tracing.subsegment("unsampled") as span, pytest.raises(ConnectionAbortedError):
        span.annotate("order_id", "o-1")
        span.metadata("result", {"a": 1})
        client.list_buckets()
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={OTHER_ROOT};Parent={OTHER_PARENT};Sampled=1")
    with tracing.subsegment("sampled"):
        pass
    assert [s["name"] for s in daemon.receive(1)] == ["sampled"]  # the first datagram


def test_annotations_are_attributes_listed_in_aws_xray_annotations(daemon):
    with tracing.subsegment("step") as span:
        span.annotate("order_id", "o-1")
        span.annotate("quantity", 3)
        span.annotate("order_id", "o-2")  # set again: the new value, listed once
        span.annotate("paid", True)
    [step] = daemon.receive(1)
    attributes = step["attributes"]
    assert (attributes["order_id"], attributes["quantity"], attributes["paid"]) == ("o-2", 3, True)
    assert attributes["aws.xray.annotations"] == ["order_id", "quantity", "paid"]


def test_metadata_is_one_json_object_in_the_default_namespace(daemon):
    with tracing.subsegment("step") as span:
        span.metadata("result", {"items": [1, 2]})
        span.metadata("total", Decimal("12.50"))  # DynamoDB numbers: written as text, not refused
        span.metadata("at", datetime.date(2026, 2, 25))
        span.metadata("result", {"items": []})  # the last value of a key
    [step] = daemon.receive(1)
    assert json.loads(step["attributes"]["aws.xray.metadata.default"]) == {
        "result": {"items": []},
        "total": "12.50",
        "at": "2026-02-25",
    }
    assert "aws.xray.annotations" not in step["attributes"]  # metadata is not indexed


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (OrderNotFound("o-404"), 404),
        (OrderConflict("o-409"), 409),
        (NoStatus("bad"), 400),  # a client error without a status: 400
        (ServerSideStatus("bad"), 400),  # not a 4xx: still the caller's mistake, 400
        (TextStatus("bad"), 400),  # not an int
    ],
)
def test_a_client_error_carries_a_4xx_status_so_x_ray_calls_it_an_error(daemon, error, status):
    raise_in_step(error, client_errors=(OrderNotFound, OrderConflict, NoStatus, ServerSideStatus, TextStatus))
    [step] = daemon.receive(1)
    assert step["status"] == "ERROR"
    assert step["attributes"]["http.response.status_code"] == status
    assert step["events"] == ["exception"]


def test_any_other_exception_is_an_error_status_without_http_status_a_fault(daemon):
    raise_in_step(RuntimeError("table unavailable"))
    [step] = daemon.receive(1)
    assert (step["status"], step["events"]) == ("ERROR", ["exception"])
    assert "http.response.status_code" not in step["attributes"]


def test_the_backend_registers_nothing_to_run_at_exit(in_lambda_otel):
    # Nothing is buffered (each span is sent as it ends) and Lambda may freeze or end the environment at any time.
    before = atexit._ncallbacks()
    assert tracing.init() is True
    assert atexit._ncallbacks() == before


def test_the_exporter_sends_one_datagram_per_export_and_fails_without_raising(otlp_daemon):
    exporter = XRayDaemonUdpExporter(otlp_daemon.address)
    assert exporter.export([]) is True
    assert otlp_daemon.receive(1) == []  # one well-formed datagram (header, T1S, base64 OTLP) of no spans
    exporter.shutdown()
    assert exporter.export([]) is False  # an OSError: tracing never fails a request


def test_the_exporter_sends_to_the_daemons_default_address_without_aws_xray_daemon_address(monkeypatch):
    monkeypatch.delenv("AWS_XRAY_DAEMON_ADDRESS", raising=False)
    try:
        daemon = OtlpUdpReceiver(port=2000)  # the X-Ray daemon's documented default address
    except OSError:
        pytest.skip("127.0.0.1:2000 is in use on this machine")
    try:
        exporter = XRayDaemonUdpExporter()
        assert exporter.export([]) is True
        assert daemon.receive(1) == []
        exporter.shutdown()
    finally:
        daemon.stop()


class MetadataLookups:
    """A sys.meta_path finder that finds nothing and records which packages' metadata was looked up
    (importlib.metadata asks every finder's find_distributions)."""

    def __init__(self) -> None:
        self.names: list[str | None] = []

    def find_spec(self, *_: object) -> None:
        return None

    def find_distributions(self, context: importlib.metadata.DistributionFinder.Context):
        self.names.append(context.name)
        return iter(())


def test_starting_the_backend_reads_no_package_metadata(in_lambda_otel, monkeypatch):
    # The instrumentation's dependency check would scan installed packages' metadata on every cold start.
    lookups = MetadataLookups()
    monkeypatch.setattr(sys, "meta_path", [lookups, *sys.meta_path])
    assert tracing.init() is True
    assert lookups.names == []


def test_a_span_otlp_cannot_carry_is_not_sent(otlp_daemon):
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.trace import SpanContext

    span = ReadableSpan(name="lone \udc80 surrogate", context=SpanContext(1, 2, is_remote=False))
    assert XRayDaemonUdpExporter(otlp_daemon.address).export([span]) is False


def test_a_span_otlp_cannot_carry_is_logged_not_raised(daemon, caplog):
    with tracing.subsegment("lone \udc80 surrogate"):  # protobuf (and OTLP) strings are UTF-8
        pass
    with tracing.subsegment("next"):
        pass
    assert [s["name"] for s in daemon.receive(1)] == ["next"]
    [record] = [r for r in caplog.records if r.name == "common.tracing"]
    assert record.getMessage() == (
        "tracing: otel could not encode spans: 'utf-8' codec can't encode character '\\udc80' in position 5: "
        "surrogates not allowed"
    )


def test_a_trimmed_span_keeps_everything_but_what_it_lost():
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind, Status, StatusCode

    from common.tracing_otel_export import trimmed

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource(LAMBDA_RESOURCE))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("common.tracing_otel", "1.0")
    with (
        tracer.start_as_current_span("parent"),
        tracer.start_as_current_span("process_order", kind=SpanKind.SERVER) as live,
    ):
        live.add_link(live.get_span_context(), {"link": 1})
        live.set_attribute("aws.xray.metadata.default", json.dumps({"result": "r" * 30_000, "note": "n"}))
        live.set_attribute("order_id", "o-1")
        live.add_event("exception", {"exception.type": "RuntimeError", "exception.stacktrace": "s" * 60_000})
        live.set_status(Status(StatusCode.ERROR, "failed"))
    original = exporter.get_finished_spans()[0]
    span, dropped, fits = trimmed(original, 95_000)
    # All the metadata goes before the stack traces do: the rule's order.
    assert (dropped, fits) == (["metadata.result", "metadata.note", "exception stack traces"], True)
    for field in ("name", "context", "parent", "resource", "links", "kind", "status", "start_time", "end_time"):
        assert getattr(span, field) == getattr(original, field), field
    assert span.instrumentation_scope == original.instrumentation_scope
    [event] = span.events
    assert (event.name, dict(event.attributes or {}), event.timestamp) == (
        "exception",
        {"exception.type": "RuntimeError"},
        original.events[0].timestamp,
    )
    attributes = dict(span.attributes or {})
    assert attributes["order_id"] == "o-1"
    metadata = json.loads(str(attributes["aws.xray.metadata.default"]))
    assert metadata == {"trimmed": {"dropped": dropped, "original_bytes": 95_000, "limit_bytes": 65_507}}


@pytest.mark.parametrize("length", [0, 1, 2, 3, 1000])  # every remainder of base64's 3-byte groups
def test_datagram_size_is_the_length_of_the_datagram(length):
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.trace import SpanContext

    from common.tracing_otel_export import datagram, datagram_size
    from common.tracing_otlp import encode_spans

    span = ReadableSpan(name="x" * length, context=SpanContext(1, 2, is_remote=False))
    assert datagram_size(len(encode_spans([span]))) == len(datagram([span]))
