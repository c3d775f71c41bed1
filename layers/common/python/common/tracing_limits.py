"""X-Ray's limits, applied the same way whichever backend records the trace.

Annotations (X-Ray Developer Guide, "Annotation requirements" on each X-Ray SDK's page): a key is 1 to 500
characters of ``A-Z a-z 0-9 _``; a value is a string of at most 1,000 characters, a number or a boolean; at most 50
annotations per trace. The X-Ray SDK for Python checks only the key's characters (it drops the annotation with a
warning), OpenTelemetry checks nothing (the annotation reaches X-Ray, which does not index it): here both backends
drop an annotation that breaks any of the rules, with the same warning.

Datagram size: each backend sends a trace document (X-Ray SDK) or a batch of OTLP spans (otel) as one UDP datagram
to Lambda's X-Ray daemon, at most 65,507 bytes (IPv4's largest UDP payload). A span too big for one is trimmed, not
lost: its metadata values go first, largest first, then its exceptions' stack traces; the span lists what it lost
(``trimmed`` in its default metadata) and one line per invocation says so in the log.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar

AnnotationValue = str | int | float | bool
Key = TypeVar("Key", bound=Hashable)
_KEY_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
MAX_KEY_LENGTH = 500
MAX_STRING_VALUE_LENGTH = 1000
MAX_ANNOTATIONS_PER_TRACE = 50
DATAGRAM_LIMIT = 65507
TRIMMED_KEY = "trimmed"  # the marker, in the span's default metadata
TRACE_HEADER_ENV = "_X_AMZN_TRACE_ID"
_log = logging.getLogger("common.tracing")


def _trace_root() -> str:
    """The invocation's trace (``Root=...`` leads the header Lambda sets); '' outside one."""
    return os.environ.get(TRACE_HEADER_ENV, "").partition(";")[0]


def annotation_problem(key: object, value: object) -> str | None:
    """Why X-Ray would not index this annotation, or None."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH or not _KEY_CHARACTERS.issuperset(key):
        return f"the key must be 1 to {MAX_KEY_LENGTH} characters of A-Z, a-z, 0-9 and _"
    if not isinstance(value, str | int | float | bool):
        return f"the value must be a string, a number or a boolean, not {type(value).__name__}"
    if isinstance(value, str) and len(value) > MAX_STRING_VALUE_LENGTH:
        return f"a string value is at most {MAX_STRING_VALUE_LENGTH} characters, this one has {len(value)}"
    return None


class AnnotationBudget:
    """Checks each annotation and counts them per trace (the trace header's Root), so the 51st is dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}  # the current trace's only

    def accepts(self, key: object, value: object, new: bool) -> bool:
        """True if the annotation may be recorded; otherwise one warning and False. ``new``: the span does not hold
        this key yet (setting a key again replaces its value and costs nothing)."""
        problem = annotation_problem(key, value)
        if problem is None and new:
            with self._lock:
                root = _trace_root()
                if root not in self._counts:
                    self._counts = {root: 0}
                if self._counts[root] >= MAX_ANNOTATIONS_PER_TRACE:
                    problem = f"X-Ray indexes at most {MAX_ANNOTATIONS_PER_TRACE} annotations per trace"
                else:
                    self._counts[root] += 1
        if problem is not None:
            _log.warning("tracing: annotation %r dropped: %s", key, problem)
            return False
        return True


ANNOTATIONS = AnnotationBudget()


def largest_first(metadata: Mapping[Key, Any]) -> list[Key]:
    """The metadata keys in the order trimming drops them: largest serialized value first."""
    return sorted(metadata, key=lambda key: len(json.dumps(metadata[key], default=str)), reverse=True)


def trim(size: Callable[[], int], steps: Iterable[Callable[[], None]]) -> bool:
    """Applies ``steps`` in order while ``size()`` is over the datagram limit; whether the span fits now."""
    for step in steps:
        if size() <= DATAGRAM_LIMIT:
            return True
        step()
    return size() <= DATAGRAM_LIMIT


def marker(dropped: list[str], original_bytes: int) -> dict[str, Any]:
    """What a trimmed span carries in its default metadata, under ``TRIMMED_KEY``."""
    return {"dropped": dropped, "original_bytes": original_bytes, "limit_bytes": DATAGRAM_LIMIT}


class OncePerInvocation:
    """Logs the first trimmed span of each invocation (a new trace header) and stays silent for the others: the
    marker on each span already says what it lost."""

    def __init__(self) -> None:
        self._logged_for: str | None = None

    def report(self, span: str, original_bytes: int, dropped: list[str], sent: bool) -> None:
        header = os.environ.get(TRACE_HEADER_ENV, "")
        if header == self._logged_for:
            return
        self._logged_for = header
        outcome = f"sent without {', '.join(dropped)}" if sent else "not sent: trimming could not make it fit"
        _log.warning(
            "tracing: span %r of trace %s was %d bytes, over the %d-byte datagram limit: %s "
            "(other trimmed spans of this invocation carry the %r marker, not logged)",
            span,
            _trace_root().removeprefix("Root=") or "-",
            original_bytes,
            DATAGRAM_LIMIT,
            outcome,
            TRIMMED_KEY,
        )


class RateLimitedLog:
    """One warning per ``interval_seconds`` at most, the next one counting those left out: an unreachable daemon
    must not write a line per span."""

    def __init__(self, interval_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval_seconds
        self._clock = clock
        self._next_at: float | None = None
        self._suppressed = 0

    def warning(self, message: str, *args: object) -> None:
        now = self._clock()
        if self._next_at is not None and now < self._next_at:
            self._suppressed += 1
            return
        self._next_at = now + self._interval
        suppressed, self._suppressed = self._suppressed, 0
        more = f" ({suppressed} more since the last such line)" if suppressed else ""
        _log.warning(message + more, *args)
