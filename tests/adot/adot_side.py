"""What runs inside .venv-adot (aws-opentelemetry-distro 0.21.0 and the OpenTelemetry SDK and protobuf it pins), for
tests/adot/test_adot_exporter.py. It imports nothing of this project: only AWS's distro and what it installs.

    python adot_side.py export HOST:PORT   spans through AWS's OTLPUdpSpanExporter, sampled and unsampled; prints what
                                           was sent (name, ids, kind, sampled) as JSON
    python adot_side.py reserialize HOST:PORT < datagrams.json
                                           each datagram (base64 in a JSON list) parsed as ADOT's format (its header,
                                           prefix, base64 OTLP) and sent again through ADOT's UdpExporter to HOST:PORT;
                                           prints the spans parsed, as JSON
"""

from __future__ import annotations

import base64
import json
import os
import sys
from typing import Any

from amazon.opentelemetry.distro.otlp_udp_exporter import (  # type: ignore[import-not-found]
    FORMAT_OTEL_SAMPLED_TRACES_BINARY_PREFIX,
    PROTOCOL_HEADER,
    OTLPUdpSpanExporter,
    UdpExporter,
)
from opentelemetry.propagators.aws import AwsXRayLambdaPropagator
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import SpanKind


def _xray_trace_id(trace_id: int) -> str:
    hex_id = f"{trace_id:032x}"
    return f"1-{hex_id[:8]}-{hex_id[8:]}"


def export(endpoint: str) -> list[dict[str, Any]]:
    """An invocation as ADOT's Lambda layer traces one: a server span under the function segment of
    _X_AMZN_TRACE_ID, a step inside it and an AWS call inside that; once through the sampled exporter, once
    through the unsampled one (T1U, what Application Signals sends for unsampled spans)."""
    sent: list[dict[str, Any]] = []
    for sampled in (True, False):
        provider = TracerProvider(
            sampler=ParentBased(ALWAYS_OFF), resource=Resource({"service.name": os.environ["AWS_LAMBDA_FUNCTION_NAME"]})
        )
        provider.add_span_processor(SimpleSpanProcessor(OTLPUdpSpanExporter(endpoint=endpoint, sampled=sampled)))
        tracer = provider.get_tracer("adot-check")
        parent = AwsXRayLambdaPropagator().extract({})
        spans: list[Any] = []  # SDK spans: name, parent and kind besides the API span's context
        with tracer.start_as_current_span(f"handler-{sampled}", context=parent, kind=SpanKind.SERVER) as server:
            spans.append(server)
            with tracer.start_as_current_span("validate_input", kind=SpanKind.INTERNAL) as step:
                spans.append(step)
                with tracer.start_as_current_span("S3.GetObject", kind=SpanKind.CLIENT) as call:
                    spans.append(call)
        for span in spans:
            context = span.get_span_context()
            sent.append(
                {
                    "name": span.name,
                    "trace_id": _xray_trace_id(context.trace_id),
                    "id": f"{context.span_id:016x}",
                    "parent_id": f"{span.parent.span_id:016x}",
                    "kind": span.kind.name,
                    "sampled": sampled,
                }
            )
        provider.shutdown()
    return sent


def reserialize(endpoint: str, datagrams: list[bytes]) -> list[list[dict[str, Any]]]:
    head = (PROTOCOL_HEADER + FORMAT_OTEL_SAMPLED_TRACES_BINARY_PREFIX).encode()
    exporter = UdpExporter(endpoint=endpoint)
    parsed = []
    for datagram in datagrams:
        if not datagram.startswith(head):
            raise ValueError(f"not ADOT's sampled-traces format: {datagram[:40]!r}")
        request = ExportTraceServiceRequest.FromString(base64.b64decode(datagram[len(head) :], validate=True))
        exporter.send_data(
            data=request.SerializeToString(), signal_format_prefix=FORMAT_OTEL_SAMPLED_TRACES_BINARY_PREFIX
        )
        parsed.append(
            [
                {
                    "name": span.name,
                    "trace_id": _xray_trace_id(int.from_bytes(span.trace_id, "big")),
                    "id": span.span_id.hex(),
                    "parent_id": span.parent_span_id.hex() or None,
                    "kind": span.SpanKind.Name(span.kind).removeprefix("SPAN_KIND_"),
                }
                for resource_spans in request.resource_spans
                for scope_spans in resource_spans.scope_spans
                for span in scope_spans.spans
            ]
        )
    exporter.shutdown()
    return parsed


if __name__ == "__main__":
    command, address = sys.argv[1:3]
    if command == "export":
        print(json.dumps(export(address)))
    else:
        print(json.dumps(reserialize(address, [base64.b64decode(d) for d in json.load(sys.stdin)])))
