"""OTLP's protobuf encoding of finished spans, written directly as bytes: the same bytes as OpenTelemetry's own
encoder (``opentelemetry-exporter-otlp-proto-common``'s ``encode_spans(spans).SerializeToString()``), without
protobuf and the generated OTLP classes, whose import is about 8 ms of every cold start here (``make bench
ARGS=--importtime``) and whose message building is most of a warm request's export time.

Written from the OTLP schema (opentelemetry-proto, ``collector/trace/v1``, ``trace/v1``, ``common/v1``,
``resource/v1``) and protobuf's wire format (varints, fixed64/fixed32, length-delimited fields in field-number
order, proto3 defaults omitted, ``oneof`` members always written). Checked byte for byte against the official
encoder (tests/unit/runtime/tracing/test_otlp_encoding.py) and against AWS's exporter (tests/adot).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind

# Wire types (protobuf encoding): varint, 64-bit, length-delimited, 32-bit.
_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
# Span.SpanKind numbers of the OTLP schema.
_KIND = {
    SpanKind.INTERNAL: 1,
    SpanKind.SERVER: 2,
    SpanKind.CLIENT: 3,
    SpanKind.PRODUCER: 4,
    SpanKind.CONSUMER: 5,
}
_HAS_IS_REMOTE, _IS_REMOTE = 0x100, 0x200  # SpanFlags
_INT64 = range(-(2**63), 2**63)


_ONE_BYTE = {n: bytes([n]) for n in range(0x80)}  # most tags and lengths: no loop for them


def _varint(value: int) -> bytes:
    if (one_byte := _ONE_BYTE.get(value)) is not None:
        return one_byte
    value &= (1 << 64) - 1  # a negative int64 is its two's complement, ten bytes
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _tag(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


_TIME_TAGS = {field: _tag(field, _I64) for field in (1, 7, 8)}


_LEN_TAGS = [_tag(field, _LEN) for field in range(17)]


def _len(field: int, payload: bytes) -> bytes:
    return _LEN_TAGS[field] + _varint(len(payload)) + payload


def _text(field: int, value: str | None) -> bytes:
    """A proto3 string: nothing when empty."""
    return _len(field, value.encode()) if value else b""


def _uint(field: int, value: int) -> bytes:
    return _tag(field, _VARINT) + _varint(value) if value else b""


def _any_value(value: Any) -> bytes:
    """An AnyValue (oneof: the member is written even when it holds its type's default)."""
    if value is None:
        return b""
    if isinstance(value, bool):
        return _tag(2, _VARINT) + _varint(int(value))
    if isinstance(value, str):
        return _len(1, value.encode())
    if isinstance(value, int):
        if value not in _INT64:
            raise ValueError  # left out by _attributes, as protobuf refuses it
        return _tag(3, _VARINT) + _varint(value)
    if isinstance(value, float):
        return _tag(4, _I64) + struct.pack("<d", value)
    if isinstance(value, bytes):
        return _len(7, value)
    if isinstance(value, Sequence):
        return _len(5, b"".join(_len(1, _any_value(item)) for item in value))
    if isinstance(value, Mapping):
        return _len(6, b"".join(_len(1, _key_value(str(k), v)) for k, v in value.items()))
    raise TypeError  # not an OTLP value: left out by _attributes


def _key_value(key: str, value: Any) -> bytes:
    return _text(1, key) + _len(2, _any_value(value))


def _attributes(field: int, attributes: Mapping[str, Any] | None) -> bytes:
    """Repeated KeyValue; a value the schema cannot hold is left out, as the official encoder does (it logs)."""
    out = []
    for key, value in (attributes or {}).items():
        try:
            out.append(_len(field, _key_value(key, value)))
        except (TypeError, ValueError):
            continue
    return b"".join(out)


def _fixed64(field: int, value: int | None) -> bytes:
    return _TIME_TAGS[field] + value.to_bytes(8, "little") if value else b""


def _flags(field: int, parent: SpanContext | None) -> bytes:
    flags = _HAS_IS_REMOTE | (_IS_REMOTE if parent is not None and parent.is_remote else 0)
    return _tag(field, _I32) + flags.to_bytes(4, "little")


def _span(span: ReadableSpan) -> bytes:
    context = span.get_span_context()
    assert context is not None  # a finished SDK span always has one
    trace_state = ",".join(f"{key}={value}" for key, value in context.trace_state.items())
    status = span.status
    events = b"".join(
        _len(
            11,
            _fixed64(1, event.timestamp)
            + _text(2, event.name)
            + _attributes(3, event.attributes)
            + _uint(4, event.dropped_attributes),
        )
        for event in span.events
    )
    links = b"".join(
        _len(
            13,
            _len(1, link.context.trace_id.to_bytes(16))
            + _len(2, link.context.span_id.to_bytes(8))
            + _attributes(4, link.attributes)
            + _uint(5, link.dropped_attributes)
            + _flags(6, link.context),
        )
        for link in span.links
    )
    return (
        _len(1, context.trace_id.to_bytes(16))
        + _len(2, context.span_id.to_bytes(8))
        + _text(3, trace_state)
        + (_len(4, span.parent.span_id.to_bytes(8)) if span.parent else b"")
        + _text(5, span.name)
        + _uint(6, _KIND[span.kind])
        + _fixed64(7, span.start_time)
        + _fixed64(8, span.end_time)
        + _attributes(9, span.attributes)
        + _uint(10, span.dropped_attributes)
        + events
        + _uint(12, span.dropped_events)
        + links
        + _uint(14, span.dropped_links)
        + _len(15, _text(2, status.description) + _uint(3, status.status_code.value))
        + _flags(16, span.parent)
    )


def _resource(resource: Resource) -> bytes:
    return _len(1, _attributes(1, resource.attributes))


def _scope(scope: InstrumentationScope | None) -> bytes:
    if scope is None:
        return b""
    return _text(1, scope.name) + _text(2, scope.version) + _attributes(3, scope.attributes)


def encode_spans(spans: Sequence[ReadableSpan]) -> bytes:
    """An ``ExportTraceServiceRequest``: spans grouped by resource, then by instrumentation scope, in the order first
    seen, as the official encoder groups them (here by identity: a provider gives its spans one resource object and
    one scope object per tracer)."""
    grouped: dict[int, tuple[Resource, dict[int, tuple[InstrumentationScope | None, list[bytes]]]]] = {}
    for span in spans:
        resource, scope = span.resource, span.instrumentation_scope or None
        by_scope = grouped.setdefault(id(resource), (resource, {}))[1]
        by_scope.setdefault(id(scope), (scope, []))[1].append(_len(2, _span(span)))
    return b"".join(
        _len(
            1,
            _resource(resource)
            + b"".join(
                _len(2, _len(1, _scope(scope)) + b"".join(encoded) + _text(3, scope.schema_url if scope else None))
                for scope, encoded in by_scope.values()
            )
            + _text(3, resource.schema_url),
        )
        for resource, by_scope in grouped.values()
    )
