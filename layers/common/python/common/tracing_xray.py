"""The ``xray-sdk`` tracing backend: the AWS X-Ray SDK for Python (imported only when selected).

In Lambda the SDK streams each closed subsegment as a UDP datagram to Lambda's X-Ray daemon
(``AWS_XRAY_DAEMON_ADDRESS``), as a child of the function segment Lambda opened for the invocation
(``_X_AMZN_TRACE_ID``), from any thread: its Lambda context gives every thread that function segment as the parent.
Outside Lambda, importing ``aws_xray_sdk.core`` builds two X-Ray botocore clients for centralized sampling
(120-180 ms): ``common.tracing`` never imports this module there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from aws_xray_sdk.core import patch, xray_recorder
from aws_xray_sdk.core.emitters.udp_emitter import PROTOCOL_DELIMITER, PROTOCOL_HEADER, UDPEmitter
from aws_xray_sdk.core.lambda_launcher import LambdaContext

from common import tracing_limits as limits
from common.tracing import RecordingSpan, Span

_DATAGRAM_PREFIX = f"{PROTOCOL_HEADER}{PROTOCOL_DELIMITER}".encode()
Handler = TypeVar("Handler", bound=Callable[..., Any])


class _XRaySpan(RecordingSpan):
    def __init__(self, subsegment: Any) -> None:
        super().__init__()
        self._subsegment = subsegment

    def _put_annotation(self, key: str, value: str | int | float | bool) -> None:
        self._subsegment.put_annotation(key, value)

    def metadata(self, key: str, value: Any) -> None:
        self._subsegment.put_metadata(key, value)


class _HeaderCachingLambdaContext(LambdaContext):  # type: ignore[misc]
    """The SDK's Lambda context re-reads and re-parses ``_X_AMZN_TRACE_ID`` on every call, six times per
    subsegment (about a third of a warm request's tracing cost, ``make bench``). The header changes only
    between invocations: while it is the one this thread's segment was built from, nothing can change."""

    def _refresh_context(self) -> None:
        header = os.environ.get("_X_AMZN_TRACE_ID")
        local = self._local
        if header is not None and getattr(local, "segment", None) and getattr(local, "header", None) == header:
            return
        super()._refresh_context()
        local.header = header


def _trimmed(document: dict[str, Any], original_bytes: int) -> tuple[bytes, list[str], bool]:
    """The trace document trimmed by the rule of ``common.tracing_limits``: its default metadata values (what the
    facade records) largest first, then stack traces; with the marker in its default metadata."""
    default = document.setdefault("metadata", {}).setdefault("default", {})
    dropped: list[str] = []

    def data() -> bytes:
        return _DATAGRAM_PREFIX + json.dumps(document).encode()

    def drop(key: str) -> Callable[[], None]:
        def action() -> None:
            del default[key]
            dropped.append(f"metadata.{key}")
            default[limits.TRIMMED_KEY] = limits.marker(dropped, original_bytes)

        return action

    def drop_stacks() -> None:
        for exception in document.get("cause", {}).get("exceptions", []):
            exception.pop("stack", None)
        dropped.append("exception stack traces")
        default[limits.TRIMMED_KEY] = limits.marker(dropped, original_bytes)

    fits = limits.trim(lambda: len(data()), [*map(drop, limits.largest_first(default)), drop_stacks])
    return data(), dropped, fits


class _TrimmingEmitter(UDPEmitter):  # type: ignore[misc]
    """The SDK's emitter, but a document too big for one datagram is trimmed rather than refused by the socket
    (the SDK logs ``Failed to send entity`` and the subsegment is lost), and send errors are logged rate-limited."""

    def __init__(self) -> None:
        super().__init__()
        self._trim_log = limits.OncePerInvocation()
        self._error_log = limits.RateLimitedLog()

    def send_entity(self, entity: Any) -> None:
        try:
            data = _DATAGRAM_PREFIX + entity.serialize().encode()
            if len(data) > limits.DATAGRAM_LIMIT:
                original_bytes = len(data)
                data, dropped, fits = _trimmed(json.loads(data[len(_DATAGRAM_PREFIX) :]), original_bytes)
                self._trim_log.report(entity.name, original_bytes, dropped, fits)
                if not fits:
                    return
            self._socket.sendto(data, (self.ip, self.port))
        except Exception as exc:  # as the SDK's own emitter does: tracing never fails a request
            self._error_log.warning(
                "tracing: xray-sdk could not send a trace document to %s:%s: %s", self.ip, self.port, exc
            )


class XRayBackend:
    def __init__(self) -> None:
        xray_recorder.configure(context=_HeaderCachingLambdaContext(), emitter=_TrimmingEmitter())
        # botocore only. The seed's patch_all() imports and patches every library the SDK supports that is
        # installed (requests, httplib, sqlite3, database drivers, ...): cold-start time for code this
        # function never calls.
        patch(("botocore",))

    def handler(self, function: Handler) -> Handler:
        return function  # Lambda writes the function segment itself; the SDK joins it from _X_AMZN_TRACE_ID

    @contextmanager
    def subsegment(self, name: str, client_errors: tuple[type[BaseException], ...]) -> Iterator[Span]:
        client_error: BaseException | None = None
        with xray_recorder.in_subsegment(name) as sdk_subsegment:
            try:
                yield _XRaySpan(sdk_subsegment) if sdk_subsegment is not None else Span()
            except client_errors as exc:
                # Caught inside, re-raised outside: the SDK would otherwise mark any exception a fault.
                if sdk_subsegment is not None:
                    sdk_subsegment.add_error_flag()
                client_error = exc
        if client_error is not None:
            raise client_error
