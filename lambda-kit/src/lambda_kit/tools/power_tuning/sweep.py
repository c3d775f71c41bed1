"""The memory sweep against a real function: change ``$LATEST``, invoke, read each report, always restore.

Only ``$LATEST`` is changed; the ``production`` alias points at a published version and is unaffected.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from lambda_kit.tools import pricing
from lambda_kit.tools.aws import LATEST, InvokeResult, ToolError, describe_error, invoke_with_tail, wait_updated
from lambda_kit.tools.power_tuning.analysis import InvocationFailed, MemoryResult, analyze, failure_reason

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

NONCE_VARIABLE = "POWER_TUNING_NONCE"  # --only-cold-starts: a new configuration, so a new environment


class Progress(Protocol):
    """What the sweep needs of a progress bar (tqdm has both)."""

    def update(self, n: int, /) -> object: ...

    def set_postfix_str(self, s: str, /) -> object: ...


@dataclass(frozen=True)
class SweepOptions:
    invocations: int
    warmup: int = 1
    parallel: int = 1
    trim: float = 0.2
    poll_seconds: float = 1.0
    only_cold_starts: bool = False
    sleep_between_ms: float = 0.0
    on_error: str = "skip"
    cost_model: str = "per-invocation"
    duration_metric: str = "billed"


def weighted_payloads(entries: Sequence[dict[str, Any]], num: int) -> list[bytes]:
    """``num`` payloads from ``[{"payload": ..., "weight": w}, ...]``, in proportion to the weights, the last
    entry filling the rest (Power Tuning's rule for weighted payloads)."""
    if num < len(entries):
        raise ToolError(f"{len(entries)} payloads need at least as many invocations (--invocations {num})")
    total = sum(float(e["weight"]) for e in entries)
    out: list[bytes] = []
    for i, entry in enumerate(entries):
        count = int(float(entry["weight"]) * num // total)
        if count < 1:
            raise ToolError(f"payload {i + 1}'s weight is too small for {num} invocations")
        if i == len(entries) - 1:
            count = num - len(out)
        out += [json.dumps(entry["payload"]).encode()] * count
    return out


def sweep(
    lambda_client: LambdaClient,
    function_name: str,
    memory_sizes: Sequence[int],
    *,
    payloads: Sequence[bytes],
    prices_for: Callable[[str], pricing.Prices],
    options: SweepOptions,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """API sequence: GetFunctionConfiguration, then per memory size UpdateFunctionConfiguration(MemorySize),
    GetFunction (waiter), Invoke x (warmup + N) -- with ``only_cold_starts``, an UpdateFunctionConfiguration
    (Environment) and GetFunction before each measured Invoke instead of the warm-up; finally GetFunction,
    UpdateFunctionConfiguration(original MemorySize [and Environment]), GetFunction. The restore runs on
    success, errors and KeyboardInterrupt alike. ``prices_for(architecture)`` is called before anything is
    changed (so a missing price fails early). ``payloads`` is used in turn, one per measured invocation."""
    o = options
    if o.invocations < 1:
        raise ToolError("--invocations must be >= 1")
    if not payloads:
        raise ToolError("no payload to send")
    for m in memory_sizes:
        try:
            pricing.validate_memory(m)
        except ValueError as exc:
            raise ToolError(str(exc)) from exc
    config = lambda_client.get_function_configuration(FunctionName=function_name)
    original_memory = config["MemorySize"]
    original_env = dict(config.get("Environment", {}).get("Variables", {}))
    architecture = (config.get("Architectures") or ["x86_64"])[0]
    prices = prices_for(architecture)
    if config.get("LastUpdateStatus") == "InProgress":
        wait_updated(lambda_client, function_name, delay=o.poll_seconds)

    trim = 0.0 if o.only_cold_starts else o.trim  # one sample per environment: nothing to trim (as Power Tuning)
    results: list[MemoryResult] = []
    outcome: dict[str, Any] = {
        "function": {
            "name": config.get("FunctionName", function_name),
            "runtime": config.get("Runtime"),
            "architecture": architecture,
            "original_memory_mb": original_memory,
            "qualifier": LATEST,
        },
        "prices": prices.to_dict(),
        "settings": {
            "invocations": o.invocations,
            "warmup": 0 if o.only_cold_starts else o.warmup,
            "parallel": o.parallel,
            "trim": trim,
            "only_cold_starts": o.only_cold_starts,
            "sleep_between_ms": o.sleep_between_ms,
            "on_error": o.on_error,
            "cost_model": o.cost_model,
            "duration_metric": o.duration_metric,
            "payloads": len(set(payloads)),
        },
        "results": results,
        "restored": None,
    }
    run_id = uuid.uuid4().hex[:8]
    changed = False
    try:
        for memory in memory_sizes:
            if progress is not None:
                progress.set_postfix_str(f"{memory} MB")
            changed = True
            lambda_client.update_function_configuration(FunctionName=function_name, MemorySize=memory)
            wait_updated(lambda_client, function_name, delay=o.poll_seconds)
            samples: list[InvokeResult] = []
            if o.only_cold_starts:
                for i in range(o.invocations):
                    lambda_client.update_function_configuration(
                        FunctionName=function_name,
                        Environment={"Variables": {**original_env, NONCE_VARIABLE: f"{run_id}-{memory}-{i}"}},
                    )
                    wait_updated(lambda_client, function_name, delay=o.poll_seconds)
                    samples.append(_measured(lambda_client, function_name, payloads[i % len(payloads)], progress))
                    _check(samples[-1], memory, o.on_error)
                    _pause(sleep, o.sleep_between_ms)
            else:
                for i in range(o.warmup):
                    invoke_with_tail(lambda_client, function_name, LATEST, payloads[i % len(payloads)])
                    _tick(progress)
                samples = _invoke_many(lambda_client, function_name, payloads, o, memory, progress, sleep)
            results.append(
                analyze(memory, samples, prices, trim, cost_model=o.cost_model, duration_metric=o.duration_metric)
            )
    finally:
        if changed:
            env = original_env if o.only_cold_starts else None
            outcome["restored"] = _restore(lambda_client, function_name, original_memory, env, o.poll_seconds)
    return outcome


def _tick(progress: Progress | None) -> None:
    if progress is not None:
        progress.update(1)


def _pause(sleep: Callable[[float], None], ms: float) -> None:
    if ms > 0:
        sleep(ms / 1000)


def _measured(lambda_client: LambdaClient, fn: str, payload: bytes, progress: Progress | None) -> InvokeResult:
    r = invoke_with_tail(lambda_client, fn, LATEST, payload)
    _tick(progress)
    return r


def _check(r: InvokeResult, memory: int, on_error: str) -> None:
    reason = failure_reason(r)
    if on_error == "abort" and reason is not None:
        raise InvocationFailed(f"invocation at {memory} MB failed ({reason}); --on-error abort stops the run")


def _invoke_many(
    lambda_client: LambdaClient,
    fn: str,
    payloads: Sequence[bytes],
    o: SweepOptions,
    memory: int,
    progress: Progress | None,
    sleep: Callable[[float], None],
) -> list[InvokeResult]:
    def one(i: int) -> InvokeResult:
        r = _measured(lambda_client, fn, payloads[i % len(payloads)], progress)
        _check(r, memory, o.on_error)
        return r

    if o.parallel <= 1:
        samples = []
        for i in range(o.invocations):
            samples.append(one(i))
            _pause(sleep, o.sleep_between_ms)
        return samples
    with ThreadPoolExecutor(max_workers=min(o.parallel, o.invocations)) as pool:
        return list(pool.map(one, range(o.invocations)))


def _restore(
    lambda_client: LambdaClient, fn: str, memory: int, env: dict[str, str] | None, poll_seconds: float
) -> bool:
    try:
        wait_updated(lambda_client, fn, delay=poll_seconds)
        if env is None:
            lambda_client.update_function_configuration(FunctionName=fn, MemorySize=memory)
        else:
            lambda_client.update_function_configuration(
                FunctionName=fn, MemorySize=memory, Environment={"Variables": env}
            )
        wait_updated(lambda_client, fn, delay=poll_seconds)
    except BaseException as exc:
        hint = f" and remove the variable {NONCE_VARIABLE}" if env is not None else ""
        print(
            f"error: could not restore {fn} to {memory} MB ({describe_error(exc, fn)}); "
            f"run: aws lambda update-function-configuration --function-name {fn} --memory-size {memory}{hint}",
            file=sys.stderr,
        )
        if isinstance(exc, KeyboardInterrupt):
            raise
        return False
    return True
