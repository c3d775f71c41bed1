"""Tracing: the one module that knows which tracer is in use (today the AWS X-Ray SDK for Python).

The X-Ray SDK is in maintenance mode since 2026-02-25 (end of support 2027-02-25; AWS points to
OpenTelemetry/ADOT). Functions only call ``init()``, ``subsegment()``, ``Span.annotate()`` and
``Span.metadata()``: a fork swaps the SDK for OpenTelemetry by rewriting this file alone.

Tracing is active only inside Lambda (``LAMBDA_TASK_ROOT`` set), with the SDK importable and not
disabled (``AWS_XRAY_SDK_ENABLED=false``). Elsewhere every call is a silent no-op: outside Lambda,
importing ``aws_xray_sdk.core`` builds two X-Ray botocore clients for centralized sampling
(120-180 ms) and every subsegment logs "cannot find the current segment" errors.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_recorder: Any = None  # the SDK's recorder once init() activated tracing


class Span:
    """What a traced block may record. This base class records nothing (tracing inactive)."""

    def annotate(self, key: str, value: str | int | float | bool) -> None:
        """Indexed, searchable key (X-Ray annotation): small scalar values only."""

    def metadata(self, key: str, value: Any) -> None:
        """Unindexed detail (X-Ray metadata): any JSON-serializable value."""


class _XRaySpan(Span):
    def __init__(self, subsegment: Any) -> None:
        self._subsegment = subsegment

    def annotate(self, key: str, value: str | int | float | bool) -> None:
        self._subsegment.put_annotation(key, value)

    def metadata(self, key: str, value: Any) -> None:
        self._subsegment.put_metadata(key, value)


_NO_SPAN = Span()


def _wanted() -> bool:
    if not os.environ.get("LAMBDA_TASK_ROOT"):
        return False
    return os.environ.get("AWS_XRAY_SDK_ENABLED", "true").strip().lower() not in ("false", "0")


def init() -> bool:
    """Activate tracing if wanted and available; call once at module scope (init). Returns active or not.

    Patches botocore only, so each AWS call becomes a subsegment. The seed's ``patch_all()`` imports and
    patches every library the SDK supports (requests, httplib, sqlite3, database drivers, ...) that is
    installed: cold-start time spent on code this function never calls.
    """
    global _recorder
    if _recorder is not None:
        return True
    if not _wanted():
        return False
    try:
        from aws_xray_sdk.core import patch, xray_recorder
        from aws_xray_sdk.core.lambda_launcher import LambdaContext
    except ImportError:  # dependencies layer not attached: run untraced rather than fail
        return False

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

    xray_recorder.configure(context=_HeaderCachingLambdaContext())
    patch(("botocore",))
    _recorder = xray_recorder
    return True


def active() -> bool:
    return _recorder is not None


@contextmanager
def subsegment(name: str, client_errors: tuple[type[BaseException], ...] = ()) -> Iterator[Span]:
    """A named child of the invocation's trace; an exception raised inside is recorded, then re-raised.

    ``client_errors``: exception types that are the caller's mistake (a 4xx). They are recorded as an
    *error* rather than a *fault*, so bad requests do not paint the service map red as 5xx would.
    """
    # Lambda sets _X_AMZN_TRACE_ID for every invocation; without it (a local run that set none) the SDK
    # would only warn that it discarded the subsegment.
    if _recorder is None or not os.environ.get("_X_AMZN_TRACE_ID"):
        yield _NO_SPAN
        return
    client_error: BaseException | None = None
    with _recorder.in_subsegment(name) as sdk_subsegment:
        try:
            yield _XRaySpan(sdk_subsegment) if sdk_subsegment is not None else _NO_SPAN
        except client_errors as exc:
            # Caught inside, re-raised outside: the SDK would otherwise mark any exception a fault.
            if sdk_subsegment is not None:
                sdk_subsegment.add_error_flag()
            client_error = exc
    if client_error is not None:
        raise client_error
