"""Lambda's side of ``lambda-kit serve``: the selected stacks' functions under their names and ARNs, their versions
and aliases resolved as Lambda resolves them, one pool of execution environments per version, the function's
concurrency shared by its versions, and the log an invocation wrote (``X-Amz-Log-Type: Tail``).

What runs is the same for every version (an ``AWS::Lambda::Version`` publishes the template's code and
configuration); what differs is what Lambda tells the function: ``AWS_LAMBDA_FUNCTION_VERSION``, the version in
the log stream, and the ARN it was invoked by.

A function on Lambda Managed Instances (a ``CapacityProviderConfig``) runs each version in environments that serve
its ``PerExecutionEnvironmentMaxConcurrency`` requests at once. Lambda starts a version's minimum environments when it
publishes it and scales on CPU, not as requests arrive, rejecting what its environments cannot take (429); the kit
starts those environments as requests first need them and throttles beyond their concurrency.
"""

from __future__ import annotations

import base64
import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambda_kit.assembly.app_model import Function
from lambda_kit.local.emulator import ACCOUNT_ID
from lambda_kit.local.environment_pool import Concurrency, EnvironmentPool
from lambda_kit.local.lambda_process import InitError, Invocation
from lambda_kit.local.local_app import PYTHON_RUNTIME, LocalApp

LOG_TAIL_BYTES = 4096  # X-Amz-Log-Result: "the last 4 KB of the execution log" (Invoke API reference)


class NotFound(LookupError):
    """Lambda's ResourceNotFoundException: no such function, or no such version or alias of it."""


class QualifierMismatch(ValueError):
    """The qualifier in the function's ARN differs from the ``Qualifier`` parameter."""


@dataclass(frozen=True)
class Target:
    """One version of one function, as an invocation names it."""

    function: Function
    version: str  # "$LATEST" or a published version's number
    invoked_arn: str  # the ARN the caller used: the function's, with the qualifier when it gave one


@dataclass
class Result:
    invocation: Invocation
    cold_init_ms: float | None  # Init Duration when this invocation started a new environment
    version: str
    log_tail: str  # base64 of the last 4 KB of the log: START ... END and REPORT
    init_failed: bool = False  # the environment's init failed: the error and logs are the init's


class LocalLambda:
    """``max_environments``: the concurrency of a function without reserved concurrency in its template;
    ``wait``: an invocation beyond a function's concurrency waits instead of being throttled."""

    def __init__(
        self,
        local: LocalApp,
        max_environments: int,
        max_idle: float,
        wait: bool = False,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        self._local = local
        self._max_idle = max_idle
        self._wait = wait
        self._environment = dict(environment or {})  # set in every environment (AWS_ENDPOINT_URL_LAMBDA)
        self.functions = [f for f in local.model.functions if PYTHON_RUNTIME.fullmatch(f.runtime)]
        self._concurrency = {
            self._key(f): Concurrency(
                f.reserved_concurrency if f.reserved_concurrency is not None else max_environments, wait
            )
            for f in self.functions
        }
        self._pools: dict[tuple[str, str, str], EnvironmentPool] = {}
        self._pools_lock = threading.Lock()  # the first requests to a version may arrive at once

    @staticmethod
    def _key(function: Function) -> tuple[str, str]:
        return function.stack.name, function.logical_id

    def arn(self, function: Function, qualifier: str | None = None) -> str:
        arn = f"arn:aws:lambda:{function.stack.region}:{ACCOUNT_ID}:function:{self._local.name(function)}"
        return f"{arn}:{qualifier}" if qualifier else arn

    def concurrency(self, function: Function) -> int:
        return self._concurrency[self._key(function)].limit

    @staticmethod
    def managed_environments(function: Function, version: str) -> int:
        """The environments the kit runs for a version on managed instances: its minimum (at least one, at most its
        maximum), the ones Lambda keeps initialized whatever the traffic."""
        minimum, maximum = function.scaling(version)
        return max(1, min(minimum, maximum))

    def target(self, function: Function, qualifier: str | None) -> Target:
        version = function.resolve(qualifier)
        if version is None:
            raise NotFound(f"Function not found: {self.arn(function, qualifier)}")
        return Target(function, version, self.arn(function, qualifier))

    def find(self, name: str, qualifier: str | None) -> Target:
        """The function a ``FunctionName`` names (a name, ``name:qualifier``, a partial ARN
        ``account:function:name[:qualifier]`` or a full ARN), at ``qualifier``."""
        parts = name.split(":")
        if parts[0] == "arn" and len(parts) in (7, 8) and parts[5] == "function":
            region, account, function_name, named = parts[3], parts[4], parts[6], parts[7] if len(parts) == 8 else None
        elif len(parts) in (3, 4) and parts[1] == "function":
            region, account, function_name, named = None, parts[0], parts[2], parts[3] if len(parts) == 4 else None
        elif len(parts) in (1, 2):
            region, account, function_name, named = None, ACCOUNT_ID, parts[0], parts[1] if len(parts) == 2 else None
        else:
            raise NotFound(f"Function not found: {name}")
        if named and qualifier and named != qualifier:
            raise QualifierMismatch(
                "The derived qualifier from the function name does not match the specified qualifier."
            )
        for function in self.functions:
            here = account == ACCOUNT_ID and region in (None, function.stack.region)
            if here and self._local.name(function) == function_name:
                return self.target(function, named or qualifier)
        raise NotFound(f"Function not found: {name}")

    def _pool(self, target: Target) -> EnvironmentPool:
        key = (*self._key(target.function), target.version)
        with self._pools_lock:
            if key not in self._pools:
                self._pools[key] = self._new_pool(target)
            return self._pools[key]

    def _new_pool(self, target: Target) -> EnvironmentPool:
        function = target.function
        config = self._local.config(function).but(version=target.version).with_environment(**self._environment)
        new_environment = functools.partial(self._local.environment, function, config)
        capacity = config.max_concurrency
        if capacity is None:
            return EnvironmentPool(new_environment, self._concurrency[self._key(function)], self._max_idle)
        environments = self.managed_environments(function, target.version)
        busy = f"its {environments} managed-instances environment(s) serve {capacity * environments} requests at once"
        concurrency = Concurrency(capacity * environments, self._wait, busy)
        return EnvironmentPool(new_environment, concurrency, self._max_idle, capacity)

    def invoke(self, target: Target, payload: bytes, client_context: dict[str, Any] | None = None) -> Result:
        """One synchronous invocation. Raises ``Throttled`` beyond the function's concurrency; an init error is the
        invocation's error, as Lambda returns it."""
        pool = self._pool(target)
        try:
            environment, cold = pool.acquire()
        except InitError as failed:
            invocation = Invocation(
                request_id="-", trace_id=None, duration_ms=0.0, error=failed.error, logs=failed.logs
            )
            return Result(invocation, failed.init_ms, target.version, _tail(failed.logs), init_failed=True)
        try:
            invocation = environment.invoke(payload, client_context=client_context, invoked_arn=target.invoked_arn)
        finally:
            pool.release(environment)
        return Result(invocation, environment.init_ms if cold else None, target.version, _tail(invocation.stream))

    def environments_started(self) -> int:
        return sum(pool.started for pool in self._pools.values())

    def stop(self) -> None:
        for pool in self._pools.values():
            pool.stop()


def _tail(lines: list[str]) -> str:
    log = "".join(f"{line}\n" for line in lines).encode("utf-8", "replace")
    return base64.b64encode(log[-LOG_TAIL_BYTES:]).decode()
