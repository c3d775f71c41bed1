"""One execution environment's log stream, as CloudWatch Logs gets it with the function's **Text** log format:
the function's stdout and stderr lines, and the platform's own lines (INIT_START, START, END, REPORT) in order.

The runtime writes everything the function prints before it posts the result, so the platform's END line
drains the pipe first: no line of an invocation can land after its END.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass

# What Lambda's managed runtime reports at init; the version suffix marks this as the local stand-in.
RUNTIME_VERSION = "python:3.14.local"
DRAIN_INTERVAL_SECONDS = 0.1


class LogStream:
    """Collects the lines of the child's output pipe (``fd``, read end) in a background thread."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        os.set_blocking(fd, False)
        self._lock = threading.Condition()
        self._lines: list[str] = []
        self._partial = b""
        self._eof = False
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        # Drains on a fixed beat rather than on every write: the parent process measures each invocation's
        # Duration, and a thread woken by each log line would compete with that measurement for the GIL.
        # The pipe (1 MiB, see LambdaProcess) absorbs what a function writes in between; END drains it first.
        while not self._eof:
            time.sleep(DRAIN_INTERVAL_SECONDS)
            self.drain()

    def drain(self) -> None:
        """Take in whatever the child has written so far."""
        with self._lock:
            while not self._eof:
                try:
                    data = os.read(self._fd, 65536)
                except BlockingIOError:
                    break
                except OSError:  # closed by close()
                    data = b""
                if not data:
                    self._eof = True
                    self._flush_partial()
                    break
                *complete, self._partial = (self._partial + data).split(b"\n")
                self._lines.extend(line.decode("utf-8", "backslashreplace") for line in complete)
            self._lock.notify_all()

    def _flush_partial(self) -> None:
        if self._partial:
            self._lines.append(self._partial.decode("utf-8", "backslashreplace"))
            self._partial = b""

    def platform(self, line: str) -> None:
        """A line of Lambda's own, after everything the function wrote before it."""
        self.drain()
        with self._lock:
            self._flush_partial()
            self._lines.append(line)

    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    def wait_for_eof(self, timeout: float) -> None:
        with self._lock:
            self._lock.wait_for(lambda: self._eof, timeout=timeout)

    def close(self) -> None:
        self.drain()
        with self._lock:
            self._eof = True
        self._thread.join(timeout=1)
        os.close(self._fd)


@dataclass(frozen=True)
class Report:
    """The fields of Lambda's REPORT line (tab-separated, each field tab-terminated, Text log format)."""

    request_id: str
    duration_ms: float
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None  # the first invocation of an on-demand environment
    status: str | None = None  # "timeout", "error" (Error Type then follows)
    error_type: str | None = None

    @property
    def billed_duration_ms(self) -> int:
        # Since 2025-08-01 Lambda bills the INIT phase of on-demand environments (managed runtimes, ZIP):
        # the first invocation's Billed Duration then includes Init Duration.
        return math.ceil(self.duration_ms + (self.init_duration_ms or 0.0))

    def line(self) -> str:
        fields = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {self.billed_duration_ms} ms",
            f"Memory Size: {self.memory_size_mb} MB",
            f"Max Memory Used: {self.max_memory_used_mb} MB",
        ]
        if self.init_duration_ms is not None:
            fields.append(f"Init Duration: {self.init_duration_ms:.2f} ms")
        if self.status:
            fields.append(f"Status: {self.status}")
        if self.error_type:
            fields.append(f"Error Type: {self.error_type}")
        return "\t".join(fields) + "\t"


def init_start_line(function_arn: str) -> str:
    region = function_arn.split(":")[3]
    return f"INIT_START Runtime Version: {RUNTIME_VERSION}\tRuntime Version ARN: arn:aws:lambda:{region}::runtime:local"


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def xray_line(trace_header: str) -> str:
    """What Lambda adds after REPORT when the invocation is traced (Root and Parent of the trace header)."""
    parts = dict(p.split("=", 1) for p in trace_header.split(";") if "=" in p)
    sampled = "true" if parts.get("Sampled") == "1" else "false"
    return f"XRAY TraceId: {parts.get('Root', '')}\tSegmentId: {parts.get('Parent', '')}\tSampled: {sampled}\t"
