"""A stand-in for Lambda's X-Ray daemon on the OpenTelemetry path: a UDP socket on 127.0.0.1 that decodes
the OTLP spans ``common.tracing_otel`` sends.

Each datagram is ``{"format":"json","version":1}`` + newline + ``T1S`` (sampled) + base64 of an OTLP
``ExportTraceServiceRequest`` (protobuf), decoded with the official ``opentelemetry-proto`` classes into one
dict per span. Point the function at it with ``AWS_XRAY_DAEMON_ADDRESS`` (``address``), as Lambda points
it at its daemon.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from lambda_kit.local.xray_listener import HEADER, XRayListener

PREFIXES = (b"T1S", b"T1U")  # sampled, unsampled


def xray_trace_id(trace_id: bytes) -> str:
    """A W3C trace id in X-Ray's form, ``1-<8 hex: epoch seconds>-<24 hex>``."""
    hex_id = trace_id.hex()
    return f"1-{hex_id[:8]}-{hex_id[8:]}"


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.kvlist_value.values}
    return getattr(value, kind) if kind else None


def _span(span: Span, sampled: bool, resource: dict[str, Any], scope: str) -> dict[str, Any]:
    return {
        "resource": resource,  # attributes of the process that sent it (service.name)
        "scope": scope,  # the instrumentation (tracer) that made it
        "trace_id": xray_trace_id(span.trace_id),
        "id": span.span_id.hex(),
        "parent_id": span.parent_span_id.hex() or None,
        "name": span.name,
        "kind": Span.SpanKind.Name(span.kind).removeprefix("SPAN_KIND_"),
        "start_time": span.start_time_unix_nano / 1e9,
        "end_time": span.end_time_unix_nano / 1e9,
        "attributes": {a.key: _value(a.value) for a in span.attributes},
        "status": Status.StatusCode.Name(span.status.code).removeprefix("STATUS_CODE_"),
        "events": [e.name for e in span.events],
        "sampled": sampled,
    }


class OtlpUdpReceiver(XRayListener):
    """``documents()`` are spans here: one dict per span (resource, scope, trace_id, id, parent_id, name, kind,
    times, attributes, status, events); ``bad_datagrams`` keeps what did not decode."""

    def decode(self, data: bytes) -> list[dict[str, Any]]:
        header, newline, body = data.partition(b"\n")
        if not newline or json.loads(header) != json.loads(HEADER) or body[:3] not in PREFIXES:
            raise ValueError(f"not an OTLP datagram: {data[:60]!r}")
        try:
            request = ExportTraceServiceRequest.FromString(base64.b64decode(body[3:], validate=True))
        except DecodeError as exc:
            raise ValueError(str(exc)) from exc
        return [
            _span(
                span,
                body[:3] == b"T1S",
                {a.key: _value(a.value) for a in resource_spans.resource.attributes},
                scope_spans.scope.name,
            )
            for resource_spans in request.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]
