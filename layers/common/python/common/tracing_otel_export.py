"""How the ``otel`` backend's spans leave the function: OTLP over UDP to Lambda's X-Ray daemon, as AWS's own
exporter sends them (``OTLPUdpSpanExporter`` in ``aws-opentelemetry-distro``, checked both ways by tests/adot).

Each datagram is ``{"format":"json","version":1}`` + newline + ``T1S`` + base64 of an OTLP
``ExportTraceServiceRequest`` (encoded by ``common.tracing_otlp``), at most 65,507 bytes. The spans of an invocation
are held until it ends and sent together, in as few datagrams as fit (one, usually): one encoding and one send per
invocation instead of one per span. Nothing stays buffered after the handler returns, so Lambda's freeze loses nothing, and no thread or extension
runs. A span ending outside an invocation is sent at once. A span too big for a datagram is trimmed by the rule of
``common.tracing_limits``; send errors are logged, at most one line a minute.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan, SpanProcessor

from common.tracing_limits import (
    DATAGRAM_LIMIT,
    TRIMMED_KEY,
    OncePerInvocation,
    RateLimitedLog,
    largest_first,
    marker,
    trim,
)
from common.tracing_otlp import encode_spans

DEFAULT_METADATA = "aws.xray.metadata.default"
# Lambda sets AWS_XRAY_DAEMON_ADDRESS in every traced environment; the daemon's documented default otherwise.
DEFAULT_DAEMON_ADDRESS = "127.0.0.1:2000"
DATAGRAM_HEADER = b'{"format":"json","version":1}\n'
SAMPLED_OTLP = b"T1S"  # "OTLP traces, sampled" for the X-Ray daemon
_STACK_TRACE = "exception.stacktrace"


def datagram(spans: Sequence[ReadableSpan]) -> bytes:
    return DATAGRAM_HEADER + SAMPLED_OTLP + base64.b64encode(encode_spans(spans))


def datagram_size(request_bytes: int) -> int:
    """The size of the datagram carrying an OTLP request of ``request_bytes`` (base64: 4 bytes per 3)."""
    return len(DATAGRAM_HEADER) + len(SAMPLED_OTLP) + 4 * -(-request_bytes // 3)


def _rebuilt(span: ReadableSpan, attributes: dict[str, Any], events: Sequence[Event]) -> ReadableSpan:
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def trimmed(span: ReadableSpan, original_bytes: int) -> tuple[ReadableSpan, list[str], bool]:
    """``span`` trimmed by the rule of ``common.tracing_limits``: its metadata values largest first, then its
    exceptions' stack traces; with the marker in its default metadata."""
    attributes = dict(span.attributes or {})
    metadata: dict[str, Any] = json.loads(str(attributes.get(DEFAULT_METADATA, "{}")))
    events = list(span.events)
    dropped: list[str] = []

    def mark() -> None:
        metadata[TRIMMED_KEY] = marker(dropped, original_bytes)
        attributes[DEFAULT_METADATA] = json.dumps(metadata)

    def drop(key: str) -> Callable[[], None]:
        def action() -> None:
            del metadata[key]
            dropped.append(f"metadata.{key}")
            mark()

        return action

    def drop_stacks() -> None:
        events[:] = [
            Event(e.name, {k: v for k, v in (e.attributes or {}).items() if k != _STACK_TRACE}, e.timestamp)
            for e in events
        ]
        dropped.append("exception stack traces")
        mark()

    fits = trim(
        lambda: len(datagram([_rebuilt(span, attributes, events)])), [*map(drop, largest_first(metadata)), drop_stacks]
    )
    return _rebuilt(span, attributes, events), dropped, fits


class XRayDaemonUdpExporter:
    """OTLP spans to the X-Ray daemon over UDP: no connection, no retry, nothing to flush. Not an SDK
    ``SpanExporter``: only ``InvocationSpanProcessor`` calls it, and the SDK's export module (its batch processor)
    is 1 ms of import on every cold start (``make bench ARGS=--importtime``)."""

    def __init__(self, address: str | None = None) -> None:
        host, _, port = (address or os.environ.get("AWS_XRAY_DAEMON_ADDRESS") or DEFAULT_DAEMON_ADDRESS).rpartition(":")
        self._address = (host, int(port))
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._trim_log = OncePerInvocation()
        self._error_log = RateLimitedLog()

    def export(self, spans: Sequence[ReadableSpan]) -> bool:
        """Whether every datagram went out."""
        try:
            whole = datagram(spans)
            datagrams = [whole] if len(whole) <= DATAGRAM_LIMIT else self._split(spans)
        except Exception as exc:  # what OTLP cannot carry (a lone surrogate in a name): tracing never fails a request
            self._error_log.warning("tracing: otel could not encode spans: %s", exc)
            return False
        sent = True
        for data in datagrams:
            try:
                self._socket.sendto(data, self._address)
            except OSError as exc:  # tracing must never fail a request
                self._error_log.warning("tracing: otel could not send spans to %s:%s: %s", *self._address, exc)
                sent = False
        return sent

    def _split(self, spans: Sequence[ReadableSpan]) -> list[bytes]:
        """Datagrams within the limit: each span trimmed if it is too big alone, then packed in order. Each span is
        encoded alone once; a batch's request is no bigger than its spans' requests together (they share one
        resource and scope), so that sum bounds it without encoding every candidate batch."""
        datagrams: list[bytes] = []
        batch: list[ReadableSpan] = []
        batch_bytes = 0
        for span in spans:
            encoded = len(encode_spans([span]))
            if datagram_size(encoded) > DATAGRAM_LIMIT:
                span, dropped, fits = trimmed(span, datagram_size(encoded))
                self._trim_log.report(span.name, datagram_size(encoded), dropped, fits)
                if not fits:
                    continue
                encoded = len(encode_spans([span]))
            if batch and datagram_size(batch_bytes + encoded) > DATAGRAM_LIMIT:
                datagrams.append(datagram(batch))
                batch, batch_bytes = [], 0
            batch.append(span)
            batch_bytes += encoded
        if batch:
            datagrams.append(datagram(batch))
        return datagrams

    def shutdown(self) -> None:
        self._socket.close()


class InvocationSpanProcessor(SpanProcessor):
    """Holds the spans that end while an invocation runs (``hold()`` .. ``release()``) and exports them together at
    its end; exports a span ending outside one at once. Unsampled spans are never recorded (ParentBased sampler)."""

    def __init__(self, exporter: XRayDaemonUdpExporter) -> None:
        self._exporter = exporter
        self._lock = threading.Lock()
        self._held: list[ReadableSpan] | None = None
        self._holders = 0  # a decorated handler may call another one: the outermost release sends

    def hold(self) -> None:
        with self._lock:
            self._holders += 1
            if self._held is None:
                self._held = []

    def release(self) -> None:
        """Exports the invocation's spans; the spans that end after it are exported as they end."""
        with self._lock:
            self._holders -= 1
            if self._holders:
                return
            spans, self._held = self._held, None
        if spans:
            self._exporter.export(spans)

    def on_end(self, span: ReadableSpan) -> None:
        with self._lock:
            if self._held is not None:
                self._held.append(span)
                return
        self._exporter.export([span])
