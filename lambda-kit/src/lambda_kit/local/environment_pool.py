"""Execution environments as Lambda keeps them for one function version: reused while warm, a new one (a cold start)
when all are busy, stopped after ``max_idle`` seconds unused; and the function's concurrency, which all its versions
share: beyond it Lambda throttles the invocation (``Throttled``) rather than queueing it
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html).

An on-demand environment serves one request at a time (``capacity`` 1). One of Lambda Managed Instances serves up to
its ``PerExecutionEnvironmentMaxConcurrency`` requests at once: the kit sends a request to the busiest environment
that has room (one still starting included: the request waits for that init rather than start another), so requests
fill one environment before the next is used, and starts one only when all are full.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lambda_kit.local.lambda_process import LambdaProcess


class Throttled(RuntimeError):
    """Lambda's TooManyRequestsException: the function is running as many environments as it may."""


class Concurrency:
    """How many invocations of one function may run at once: its reserved concurrency, or the limit the kit was
    given. ``wait``: an invocation beyond it waits for a free slot instead of being throttled (``serve --no-throttle``)."""

    def __init__(self, limit: int, wait: bool = False, busy: str = "") -> None:
        """``busy``: what is full when an invocation is throttled (the log says so)."""
        self.limit = limit
        self._wait = wait
        self._busy = busy or f"all {limit} environments busy"
        self._slots = threading.BoundedSemaphore(limit)

    def acquire(self) -> None:
        if not self._slots.acquire(blocking=self._wait):
            raise Throttled(self._busy)

    def release(self) -> None:
        self._slots.release()


@dataclass(eq=False)
class _Entry:
    """One environment of the pool: the requests it serves now, since when it is idle, and its init's outcome."""

    environment: LambdaProcess
    in_flight: int = 1  # the request that starts it
    last_used: float = field(default_factory=time.monotonic)
    ready: threading.Event = field(default_factory=threading.Event)
    failure: BaseException | None = None


class EnvironmentPool:
    def __init__(
        self,
        new_environment: Callable[[], LambdaProcess],
        concurrency: Concurrency,
        max_idle: float,
        capacity: int = 1,
    ) -> None:
        """``capacity``: the requests one environment serves at once."""
        self._new = new_environment
        self._concurrency = concurrency
        self._max_idle = max_idle
        self._capacity = capacity
        self._entries: list[_Entry] = []  # oldest first
        self._changed = threading.Condition()
        self._closed = False
        self.started = 0  # environments started (cold starts)
        self._reaper = threading.Thread(target=self._reap, daemon=True)
        self._reaper.start()

    def acquire(self) -> tuple[LambdaProcess, bool]:
        """(environment, cold): one with room (the most recently used idle one, on demand), else a new one (init runs
        now; cold also for a request that waited for it). Raises ``Throttled`` beyond the function's concurrency."""
        self._concurrency.acquire()
        try:
            with self._changed:
                if self._closed:
                    raise RuntimeError("the pool is stopped")
                roomy = [e for e in self._entries if e.in_flight < self._capacity and e.failure is None]
                if roomy:
                    entry = max(roomy, key=lambda e: (e.in_flight, e.last_used))
                    entry.in_flight += 1
                    starting = False
                else:
                    entry = _Entry(self._new())
                    self._entries.append(entry)
                    self.started += 1
                    starting = True
            return self._ready(entry, starting)
        except BaseException:
            self._concurrency.release()
            raise

    def _ready(self, entry: _Entry, starting: bool) -> tuple[LambdaProcess, bool]:
        cold = starting or not entry.ready.is_set()
        if starting:
            try:
                entry.environment.start()
            except BaseException as failed:
                entry.failure = failed
            entry.ready.set()
        entry.ready.wait()
        if entry.failure is not None:  # the init this request waited for failed: its error is this request's too
            with self._changed:
                entry.in_flight -= 1
                if entry.in_flight == 0 and entry in self._entries:
                    self._entries.remove(entry)
            raise entry.failure
        return entry.environment, cold

    def release(self, environment: LambdaProcess) -> None:
        """One request done; an environment that crashed or timed out (on demand) is stopped and dropped."""
        with self._changed:
            entry = next((e for e in self._entries if e.environment is environment), None)  # None: the pool stopped
            keep = entry is not None and environment.alive and not self._closed
            if entry is not None:
                entry.in_flight -= 1
                entry.last_used = time.monotonic()
                if not keep:
                    self._entries.remove(entry)
        self._concurrency.release()
        if not keep:
            environment.stop()

    def _reap(self) -> None:
        while True:
            with self._changed:
                self._changed.wait(timeout=min(1.0, self._max_idle))
                if self._closed:
                    return
                deadline = time.monotonic() - self._max_idle
                expired = [e for e in self._entries if e.in_flight == 0 and e.last_used < deadline]
                self._entries = [e for e in self._entries if e not in expired]
            for entry in expired:
                entry.environment.stop()

    def stop(self) -> None:
        with self._changed:
            self._closed = True
            idle, self._entries = [e for e in self._entries if e.in_flight == 0], []
            self._changed.notify_all()
        for entry in idle:
            entry.environment.stop()
        self._reaper.join(timeout=2)
