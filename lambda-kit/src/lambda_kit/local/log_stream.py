"""One execution environment's log stream, as CloudWatch Logs gets it: the function's stdout and stderr lines, and
the platform's own lines (``platform_log``) in order.

The runtime writes everything the function prints before it posts the result, so the platform's END line
drains the pipe first: no line of an invocation can land after its END.

A multi-concurrent environment's workers write to streams of their own, as on Lambda Managed Instances: each
connects its stdout and stderr to the socket ``_LAMBDA_TELEMETRY_LOG_FD_PROVIDER_SOCKET`` names (awslambdaric's
``MultiConcurrentRunner``), so the lines of two workers never mix; ``listener`` accepts those connections.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time

DRAIN_INTERVAL_SECONDS = 0.1


class LogStream:
    """Collects the lines of the child's output pipe (``fd``, read end), and of each connection ``listener`` accepts,
    in a background thread."""

    def __init__(self, fd: int, listener: socket.socket | None = None) -> None:
        self._fd = fd
        self._listener = listener
        self._partial: dict[int, bytes] = {fd: b""}  # per source: what it wrote after its last newline
        os.set_blocking(fd, False)
        if listener is not None:
            listener.setblocking(False)
        self._lock = threading.Condition()
        self._lines: list[str] = []
        self._eof = False  # the runtime process's own output ended (it exited)
        self._closed = False
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        # Drains on a fixed beat rather than on every write: the parent process measures each invocation's
        # Duration, and a thread woken by each log line would compete with that measurement for the GIL.
        # The pipe (1 MiB, see LambdaProcess) absorbs what a function writes in between; END drains it first.
        while not self._closed:
            time.sleep(DRAIN_INTERVAL_SECONDS)
            self.drain()

    def drain(self) -> None:
        """Take in whatever the child (and its workers) have written so far."""
        with self._lock:
            if self._closed:
                return
            self._accept()
            for fd in list(self._partial):
                self._read(fd)
            self._lock.notify_all()

    def _accept(self) -> None:
        while self._listener is not None:
            try:
                connection, _ = self._listener.accept()
            except (BlockingIOError, OSError):
                return
            fd = connection.detach()
            os.set_blocking(fd, False)
            self._partial[fd] = b""

    def _read(self, fd: int) -> None:
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:  # closed by close()
                data = b""
            if not data:
                self._flush_partial(fd)
                if fd == self._fd:  # the runtime's own output ends with it
                    self._eof = True
                else:
                    del self._partial[fd]
                    os.close(fd)
                return
            *complete, self._partial[fd] = (self._partial[fd] + data).split(b"\n")
            self._lines.extend(line.decode("utf-8", "backslashreplace") for line in complete)

    def _flush_partial(self, fd: int) -> None:
        if self._partial.get(fd):
            self._lines.append(self._partial[fd].decode("utf-8", "backslashreplace"))
            self._partial[fd] = b""

    def platform(self, line: str) -> None:
        """A line of Lambda's own, after everything the function wrote before it (a last line without its newline
        included; a worker's is not: another worker's request may be mid-line)."""
        self.drain()
        with self._lock:
            self._flush_partial(self._fd)
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
            self._closed = True
        self._thread.join(timeout=1)
        for fd in self._partial:
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._listener is not None:
            self._listener.close()
