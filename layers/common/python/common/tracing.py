"""Tracing: the facade every function calls, whichever tracer the stage selected.

Functions only call ``init()``, ``handler()``, ``subsegment()``, ``Span.annotate()`` and ``Span.metadata()``. The
backend comes from ``TRACING`` (set by the stack from the stage's ``tracing`` setting):

- ``xray-sdk`` (default): the AWS X-Ray SDK for Python (``common.tracing_xray``). In maintenance mode since
  2026-02-25, end of support 2027-02-25; AWS points to OpenTelemetry.
- ``otel``: OpenTelemetry, exported to X-Ray through Lambda's X-Ray daemon (``common.tracing_otel``).
- ``off``: nothing is imported; every call is a no-op.

Only the selected backend's module is imported, so the X-Ray path never loads OpenTelemetry and vice
versa. Tracing is active only inside Lambda (``LAMBDA_TASK_ROOT`` set), with the backend's packages
importable (the stage's dependencies layer; if they are not, init logs one line naming the backend and the function
runs untraced) and not disabled by the backend's own switch (``AWS_XRAY_SDK_ENABLED=false``,
``OTEL_SDK_DISABLED=true``). Elsewhere every call is a silent no-op.

Both backends apply X-Ray's limits the same way (``common.tracing_limits``): annotations X-Ray would not index are
dropped with one warning, and a span too big for one datagram is trimmed, not lost.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol, TypeVar

from common.tracing_limits import ANNOTATIONS, AnnotationValue

BACKEND_ENV = "TRACING"
BACKENDS = ("xray-sdk", "otel", "off")
DEFAULT_BACKEND = "xray-sdk"
# Each backend's own off switch, as its documentation names it: (variable, values that mean "off").
_DISABLED_BY = {
    "xray-sdk": ("AWS_XRAY_SDK_ENABLED", ("false", "0")),
    "otel": ("OTEL_SDK_DISABLED", ("true", "1")),
}
_log = logging.getLogger(__name__)
Handler = TypeVar("Handler", bound=Callable[..., Any])


class Span:
    """What a traced block may record. This base class records nothing (tracing inactive)."""

    def annotate(self, key: str, value: AnnotationValue) -> None:
        """Indexed, searchable key (X-Ray annotation): small scalar values only (``common.tracing_limits``)."""

    def metadata(self, key: str, value: Any) -> None:
        """Unindexed detail (X-Ray metadata): any JSON-serializable value."""


class RecordingSpan(Span):
    """A backend's span: annotations pass X-Ray's limits first, the same check whichever backend records them."""

    def __init__(self) -> None:
        self._annotation_keys: list[str] = []

    def annotate(self, key: str, value: AnnotationValue) -> None:
        if ANNOTATIONS.accepts(key, value, new=key not in self._annotation_keys):
            if key not in self._annotation_keys:
                self._annotation_keys.append(key)
            self._put_annotation(key, value)

    def _put_annotation(self, key: str, value: AnnotationValue) -> None:
        raise NotImplementedError


class Backend(Protocol):
    def subsegment(self, name: str, client_errors: tuple[type[BaseException], ...]) -> AbstractContextManager[Span]: ...

    def handler(self, function: Handler) -> Handler: ...


_NO_SPAN = Span()
_backend: Backend | None = None  # set once init() activated tracing


def selected_backend() -> str:
    name = os.environ.get(BACKEND_ENV, DEFAULT_BACKEND).strip() or DEFAULT_BACKEND
    if name not in BACKENDS:
        raise ValueError(f"{BACKEND_ENV}={name!r} is not a tracing backend: choose one of {', '.join(BACKENDS)}")
    return name


def _disabled(backend: str) -> bool:
    variable, off_values = _DISABLED_BY[backend]
    return os.environ.get(variable, "").strip().lower() in off_values


def _start(backend: str) -> Backend:
    # Imported here, not at the top: only the selected backend's packages load on a cold start.
    if backend == "xray-sdk":
        from common.tracing_xray import XRayBackend

        return XRayBackend()
    from common.tracing_otel import OtelBackend

    return OtelBackend()


def init() -> bool:
    """Activate tracing if wanted and available; call once at module scope (init). Returns active or not.

    Either backend patches botocore only, so each AWS call becomes a child of the step that made it.
    """
    global _backend
    if _backend is not None:
        return True
    backend = selected_backend()  # an unknown value fails init loudly rather than silently tracing nothing
    if backend == "off" or not os.environ.get("LAMBDA_TASK_ROOT") or _disabled(backend):
        return False
    try:
        _backend = _start(backend)
    except ImportError as exc:  # the layer is missing or broken: serve untraced, and say so once
        _log.error(
            "tracing: %s=%s cannot start, its packages do not import (%s): the function runs untraced; "
            "attach the stage's dependencies layer for this backend",
            BACKEND_ENV,
            backend,
            exc,
        )
        return False
    return True


def active() -> bool:
    return _backend is not None


def handler(function: Handler) -> Handler:
    """Decorates the Lambda handler (after ``init()``): under ``otel`` each invocation becomes a server span, the
    function segment's counterpart (X-Ray SDK: Lambda writes that segment itself; untraced: ``function`` as is)."""
    return function if _backend is None else _backend.handler(function)


@contextmanager
def subsegment(name: str, client_errors: tuple[type[BaseException], ...] = ()) -> Iterator[Span]:
    """A named child of the invocation's trace; an exception raised inside is recorded, then re-raised.

    ``client_errors``: exception types that are the caller's mistake (a 4xx). They are recorded as an
    *error* rather than a *fault*, so bad requests do not paint the service map red as 5xx would.
    """
    # Lambda sets _X_AMZN_TRACE_ID for every invocation; without it (a local run that set none) there is
    # no trace to join.
    if _backend is None or not os.environ.get("_X_AMZN_TRACE_ID"):
        yield _NO_SPAN
        return
    with _backend.subsegment(name, client_errors) as span:
        yield span
