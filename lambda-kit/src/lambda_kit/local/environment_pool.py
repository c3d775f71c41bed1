"""Execution environments as Lambda keeps them for one function version: reused while warm, one request at a
time each, a new one (a cold start) when all are busy, and stopped after ``max_idle`` seconds unused."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from lambda_kit.local.lambda_process import LambdaProcess


class EnvironmentPool:
    def __init__(self, new_environment: Callable[[], LambdaProcess], max_environments: int, max_idle: float) -> None:
        self._new = new_environment
        self._max = max_environments
        self._max_idle = max_idle
        self._idle: list[tuple[float, LambdaProcess]] = []  # (last used, environment), most recent last
        self._busy = 0
        self._changed = threading.Condition()
        self._closed = False
        self._reaper = threading.Thread(target=self._reap, daemon=True)
        self._reaper.start()

    def acquire(self) -> tuple[LambdaProcess, bool]:
        """(environment, cold): a warm idle one if there is one, else a new one (init runs now)."""
        with self._changed:
            while True:
                if self._closed:
                    raise RuntimeError("the pool is stopped")
                if self._idle:
                    _, environment = self._idle.pop()
                    self._busy += 1
                    return environment, False
                if self._busy < self._max:
                    self._busy += 1
                    break
                self._changed.wait()
        try:
            return self._new().start(), True
        except BaseException:
            self._release_slot()
            raise

    def release(self, environment: LambdaProcess) -> None:
        """Back to the idle list if it is still alive (a crash or a timeout ends an environment)."""
        with self._changed:
            self._busy -= 1
            keep = environment.alive and not self._closed
            if keep:
                self._idle.append((time.monotonic(), environment))
            self._changed.notify_all()
        if not keep:
            environment.stop()

    def _release_slot(self) -> None:
        with self._changed:
            self._busy -= 1
            self._changed.notify_all()

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
