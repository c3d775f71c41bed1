"""common.tracing_otlp writes the bytes OpenTelemetry's own encoder writes: ``encode_spans(spans)`` equals
``opentelemetry.exporter.otlp.proto.common.trace_encoder.encode_spans(spans).SerializeToString()`` (protobuf's upb
serializer) for spans made by the real SDK: every span field, attribute value type, event, link, status, parent
kind, and several resources and scopes in one batch; and for any attributes hypothesis makes."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as official_encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
    TraceState,
)

from common.tracing_otlp import encode_spans
from tests.unit.runtime.tracing.conftest import LAMBDA_RESOURCE


def official(spans: list[ReadableSpan]) -> bytes:
    return official_encode_spans(spans).SerializeToString()


def recorder(resource: Resource | None = None, limits: SpanLimits | None = None) -> tuple[Any, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=resource or Resource(LAMBDA_RESOURCE), span_limits=limits)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


REMOTE_PARENT = SpanContext(
    trace_id=0x5759E988BD862E3FE1BE46A994272793,
    span_id=0x53995C3F42CD8AD8,
    is_remote=True,
    trace_flags=TraceFlags(TraceFlags.SAMPLED),
    trace_state=TraceState([("xray", "abc"), ("vendor", "1")]),
)
ATTRIBUTES: dict[str, Any] = {
    "text": "order-0001",
    "empty": "",
    "unicode": "注文 ✓",
    "true": True,
    "false": False,
    "zero": 0,
    "negative": -42,
    "int64_max": 2**63 - 1,
    "int64_min": -(2**63),
    "float": 12.5,
    "float_zero": 0.0,
    "negative_float": -1e-300,
    "infinity": math.inf,
    "strings": ["a", "", "ü"],
    "booleans": (True, False),
    "ints": [0, 1, -1, 2**40],
    "floats": [0.5, -2.0],
    "empty_list": [],
    "with_none": ["a", None, "b"],
    "aws.xray.annotations": ["text", "zero"],
}


def test_every_field_of_a_span_is_encoded_as_the_official_encoder_does():
    provider, exporter = recorder()
    tracer = provider.get_tracer("common.tracing_otel", "1.0", schema_url="https://opentelemetry.io/schemas/1.11.0")
    parent = trace.set_span_in_context(NonRecordingSpan(REMOTE_PARENT))
    with tracer.start_as_current_span("orders.handler.lambda_handler", context=parent, kind=SpanKind.SERVER) as root:
        root.set_attributes(ATTRIBUTES)
        root.add_event("checkpoint", {"step": "validate", "count": 3}, timestamp=1_700_000_000_000_000_123)
        root.add_event("bare")
        for kind in (SpanKind.INTERNAL, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER):
            with tracer.start_as_current_span(
                f"child-{kind.name}",
                kind=kind,
                links=[Link(REMOTE_PARENT, {"link": "yes"}), Link(root.get_span_context())],
            ) as child:
                child.set_status(Status(StatusCode.OK))
        try:
            with tracer.start_as_current_span("fails"):
                raise ValueError("bad ü")
        except ValueError:
            pass
        root.set_status(Status(StatusCode.ERROR, "handler failed"))
    spans = list(exporter.get_finished_spans())
    assert len(spans) == 6
    for span in spans:
        assert encode_spans([span]) == official([span]), span.name
    assert encode_spans(spans) == official(spans)


def test_spans_of_several_resources_and_scopes_are_grouped_as_the_official_encoder_groups_them():
    first, first_spans = recorder()
    second, second_spans = recorder(Resource({"service.name": "other"}, schema_url="https://example.com/schema"))
    tracers = [
        first.get_tracer("a"),
        first.get_tracer("b", "2.0", attributes={"scope.attr": 1}),
        second.get_tracer("a"),
    ]
    for n in range(6):
        with tracers[n % 3].start_as_current_span(f"span-{n}"):
            pass
    ours, theirs = list(first_spans.get_finished_spans()), list(second_spans.get_finished_spans())
    interleaved = [ours[0], theirs[0], ours[1], theirs[1], ours[2], ours[3]]  # resources and scopes alternate
    assert encode_spans(interleaved) == official(interleaved)
    assert encode_spans([]) == official([]) == b""


def test_dropped_counts_are_encoded():
    limits = SpanLimits(max_span_attributes=2, max_events=1, max_links=1, max_event_attributes=1, max_link_attributes=1)
    provider, exporter = recorder(limits=limits)
    tracer = provider.get_tracer("limits")
    links = [Link(REMOTE_PARENT), Link(REMOTE_PARENT, {"x": 1, "y": 2})]
    with tracer.start_as_current_span("limited", links=links) as span:
        span.set_attributes({"a": 1, "b": 2, "c": 3})
        span.add_event("one")
        span.add_event("two", {"x": 1, "y": 2})  # the span keeps the last event
    [span] = exporter.get_finished_spans()
    assert (span.dropped_attributes, span.dropped_events, span.dropped_links) == (1, 1, 1)
    assert (span.events[0].dropped_attributes, span.links[0].dropped_attributes) == (1, 1)
    assert encode_spans([span]) == official([span])


def test_values_the_sdk_does_not_make_are_encoded_or_left_out_as_the_official_encoder_does(caplog):
    # A ReadableSpan built directly (an exporter's input need not come from the SDK's attribute cleaning): bytes,
    # a nested mapping (OTLP's kvlist), None (an empty AnyValue), a set (no OTLP value: left out), no times.
    raw: dict[Any, Any] = {  # what the SDK's attribute types do not allow, on purpose
        "bytes": b"\x00\xff",
        "mapping": {"a": 1, 2: ["x", True], "nested": {"b": b"y"}},
        "none": None,
        "set": {1, 2},
        "kept": "yes",
    }
    span = ReadableSpan(
        name="raw",
        context=REMOTE_PARENT,
        resource=Resource(LAMBDA_RESOURCE),
        attributes=raw,
        events=[Event("at-zero", {"k": "v"}, timestamp=0)],
        start_time=None,
        end_time=None,
    )
    assert encode_spans([span]) == official([span])


def test_an_integer_outside_int64_is_left_out_as_the_official_encoder_leaves_it_out(caplog):
    provider, exporter = recorder()
    with provider.get_tracer("big").start_as_current_span("big") as span:
        span.set_attributes({"too_big": 2**64, "kept": 1})
    [span] = exporter.get_finished_spans()
    assert encode_spans([span]) == official([span])  # the official encoder logs the attribute it drops


scalars = st.one_of(
    st.text(max_size=20),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
)
values = st.one_of(
    scalars,
    st.lists(st.text(max_size=5), max_size=4),
    st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=4),
    st.lists(st.floats(allow_nan=False), max_size=4),
    st.lists(st.booleans(), max_size=4),
)


PROPERTY_RECORDER = recorder()  # one provider for every example: building one per example was most of the test's time


@settings(max_examples=150, deadline=None)
@given(attributes=st.dictionaries(st.text(min_size=1, max_size=12), values, max_size=8), name=st.text(max_size=30))
def test_any_attributes_and_name_encode_as_the_official_encoder_does(attributes, name):
    provider, exporter = PROPERTY_RECORDER
    exporter.clear()
    with provider.get_tracer("hypothesis").start_as_current_span(name) as span:
        span.set_attributes(attributes)
    [finished] = exporter.get_finished_spans()
    assert encode_spans([finished]) == official([finished])


def test_a_name_protobuf_cannot_hold_raises_value_error_for_the_exporter_to_log():
    provider, exporter = recorder()
    with provider.get_tracer("surrogate").start_as_current_span("lone \udc80 surrogate"):
        pass
    [span] = exporter.get_finished_spans()
    with pytest.raises(ValueError):
        encode_spans([span])
