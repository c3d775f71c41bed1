"""Execution environments as Lambda keeps them for one function version: one request at a time each, reused while
warm, a new one (a cold start) when all are busy, stopped after ``max_idle`` seconds unused; and the function's
concurrency, which all its versions share: beyond it Lambda throttles the invocation (``Throttled``) rather than
queueing it (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from lambda_kit.local.lambda_process import LambdaProcess


class Throttled(RuntimeError):
    """Lambda's TooManyRequestsException: the function is running as many environments as it may."""


class Concurrency:
    """How many invocations of one function may run at once: its reserved concurrency, or the limit the kit was
    given. ``wait``: an invocation beyond it waits for a free slot instead of being throttled (``serve --no-throttle``)."""

    def __init__(self, limit: int, wait: bool = False) -> None:
        self.limit = limit
        self._wait = wait
        self._slots = threading.BoundedSemaphore(limit)

    def acquire(self) -> None:
        if not self._slots.acquire(blocking=self._wait):
            raise Throttled(f"Rate Exceeded: the function runs {self.limit} environments at most")

    def release(self) -> None:
        self._slots.release()


class EnvironmentPool:
    def __init__(self, new_environment: Callable[[], LambdaProcess], concurrency: Concurrency, max_idle: float) -> None:
        self._new = new_environment
        self._concurrency = concurrency
        self._max_idle = max_idle
        self._idle: list[tuple[float, LambdaProcess]] = []  # (last used, environment), most recent last
        self._changed = threading.Condition()
        self._closed = False
        self.started = 0  # environments started (cold starts)
        self._reaper = threading.Thread(target=self._reap, daemon=True)
        self._reaper.start()

    def acquire(self) -> tuple[LambdaProcess, bool]:
        """(environment, cold): a warm idle one if there is one, else a new one (init runs now). Raises
        ``Throttled`` beyond the function's concurrency."""
        self._concurrency.acquire()
        with self._changed:
            if self._closed:
                self._concurrency.release()
                raise RuntimeError("the pool is stopped")
            if self._idle:
                return self._idle.pop()[1], False
            self.started += 1
        try:
            return self._new().start(), True
        except BaseException:
            self._concurrency.release()
            raise

    def release(self, environment: LambdaProcess) -> None:
        """Back to the idle list if it is still alive (a crash or a timeout ends an environment)."""
        with self._changed:
            keep = environment.alive and not self._closed
            if keep:
                self._idle.append((time.monotonic(), environment))
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
                expired = [env for used, env in self._idle if used < deadline]
                self._idle = [(used, env) for used, env in self._idle if used >= deadline]
            for environment in expired:
                environment.stop()

    def stop(self) -> None:
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            self._changed.notify_all()
        for _, environment in idle:
            environment.stop()
        self._reaper.join(timeout=2)
