"""The ``otel`` tracing backend: OpenTelemetry, exported to AWS X-Ray (imported only when selected).

Same trace as the X-Ray SDK gives (proved by tests/integration/test_same_trace.py):

- Parent: spans started outside any other span are children of the function segment Lambda opened for the
  invocation, read from ``_X_AMZN_TRACE_ID`` on every access (the X-Ray trace header, converted to a W3C
  trace context by the AWS X-Ray propagator). An unsampled header (``Sampled=0``) records nothing.
- AWS calls: the OpenTelemetry botocore instrumentation makes each a child span and sends the trace
  context on in the ``X-Amzn-Trace-Id`` header, as the SDK does.
- Export: every span as it ends, one UDP datagram to Lambda's X-Ray daemon (``AWS_XRAY_DAEMON_ADDRESS``):
  ``{"format":"json","version":1}`` + newline + ``T1S`` + base64 of an OTLP ``ExportTraceServiceRequest``,
  the format AWS's own ADOT Lambda layers send. Nothing is buffered, so nothing is lost when Lambda freezes
  the environment after the response, and no background thread or extension runs; the daemon uploads with
  the function role's ``xray:PutTraceSegments`` (active tracing's grant, nothing more).
- Annotations and metadata, per AWS's documented convention for OpenTelemetry spans in X-Ray
  (X-Ray Developer Guide, "Migrating from X-Ray instrumentation to OpenTelemetry", *Working with span
  attributes*): "By default, OpenTelemetry span attributes are converted to metadata in X-Ray raw data.
  To convert specific attributes to annotations instead, add their keys to the ``aws.xray.annotations``
  attributes list." So ``annotate()`` sets the attribute and lists its key there (indexed, searchable);
  ``metadata()`` writes ``aws.xray.metadata.default``, a JSON object that X-Ray's translation unpacks
  into the ``default`` metadata namespace, as the SDK's ``put_metadata`` would (unindexed).
- Errors: X-Ray's translation marks a span with an error status a *fault* unless it carries a 4xx
  ``http.response.status_code``, then an *error*. A client error gets its 4xx; anything else stays a fault.
"""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
from opentelemetry.propagators.aws import AwsXRayLambdaPropagator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import SpanKind, Status, StatusCode

from common.tracing import Span

ANNOTATION_KEYS = "aws.xray.annotations"
DEFAULT_METADATA = "aws.xray.metadata.default"
HTTP_STATUS = "http.response.status_code"
# Lambda sets AWS_XRAY_DAEMON_ADDRESS in every traced environment; the daemon's documented default otherwise.
DEFAULT_DAEMON_ADDRESS = "127.0.0.1:2000"
DATAGRAM_HEADER = b'{"format":"json","version":1}\n'
SAMPLED_OTLP = b"T1S"  # "OTLP traces, sampled" for the X-Ray daemon
_PROPAGATOR = AwsXRayLambdaPropagator()


class XRayDaemonUdpExporter(SpanExporter):
    """OTLP spans to the X-Ray daemon over UDP: no connection, no retry, nothing to flush."""

    def __init__(self, address: str | None = None) -> None:
        host, _, port = (address or os.environ.get("AWS_XRAY_DAEMON_ADDRESS") or DEFAULT_DAEMON_ADDRESS).rpartition(":")
        self._address = (host, int(port))
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        payload = base64.b64encode(encode_spans(spans).SerializeToString())
        try:
            self._socket.sendto(DATAGRAM_HEADER + SAMPLED_OTLP + payload, self._address)
        except OSError:  # tracing must never fail a request
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self._socket.close()


class _LambdaInvocation(trace.NonRecordingSpan):
    """Stands for the function segment of the current invocation: the parent of spans started outside any
    other span. Lambda replaces ``_X_AMZN_TRACE_ID`` before each invocation, so it is read on each access."""

    def __init__(self) -> None:
        super().__init__(trace.INVALID_SPAN_CONTEXT)

    def get_span_context(self) -> trace.SpanContext:
        # An empty context, not the current one: the current one holds this very span.
        extracted = _PROPAGATOR.extract({}, context=context.Context())
        return trace.get_current_span(extracted).get_span_context()


class _OtelSpan(Span):
    def __init__(self, span: trace.Span) -> None:
        self._span = span
        self._annotation_keys: list[str] = []
        self._metadata: dict[str, Any] = {}

    def annotate(self, key: str, value: str | int | float | bool) -> None:
        self._span.set_attribute(key, value)
        if key not in self._annotation_keys:
            self._annotation_keys.append(key)
            self._span.set_attribute(ANNOTATION_KEYS, self._annotation_keys)

    def metadata(self, key: str, value: Any) -> None:
        self._metadata[key] = value
        self._span.set_attribute(DEFAULT_METADATA, json.dumps(self._metadata, default=str))


class OtelBackend:
    def __init__(self) -> None:
        # The resource is given, not detected: Resource.create() would run resource detectors at init.
        resource = Resource({"service.name": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "unknown_service")})
        # ParentBased(ALWAYS_OFF): follow Lambda's sampling decision, never start a trace of our own.
        provider = TracerProvider(sampler=ParentBased(ALWAYS_OFF), resource=resource, shutdown_on_exit=False)
        provider.add_span_processor(SimpleSpanProcessor(XRayDaemonUdpExporter()))
        # skip_dep_check: the runtime's botocore is what it is; the check would scan package metadata at init.
        BotocoreInstrumentor().instrument(  # type: ignore[no-untyped-call]
            tracer_provider=provider, skip_dep_check=True
        )
        self._tracer = provider.get_tracer(__name__)
        context.attach(trace.set_span_in_context(_LambdaInvocation()))

    @contextmanager
    def subsegment(self, name: str, client_errors: tuple[type[BaseException], ...]) -> Iterator[Span]:
        with self._tracer.start_as_current_span(
            name, kind=SpanKind.INTERNAL, record_exception=False, set_status_on_exception=False
        ) as span:
            try:
                yield _OtelSpan(span)
            except Exception as exc:
                span.record_exception(exc)
                if isinstance(exc, client_errors):
                    status = getattr(exc, "status_code", 400)
                    span.set_attribute(HTTP_STATUS, status if isinstance(status, int) and 400 <= status < 500 else 400)
                span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
                raise
