"""From samples to a recommendation (pure functions): per memory size a duration and a cost per
invocation, then the cheapest / fastest / balanced choice.

Where this project deliberately differs from AWS Lambda Power Tuning (4.4.0), the difference is an option
and Power Tuning's behaviour is one of its values:

- ``cost_model``: ``per-invocation`` (default) = trimmed mean of Billed Duration x GB x price + the request
  price: what one invocation adds to the bill. ``power-tuning`` = ceil(trimmed mean of Billed Duration +
  Billed Restore Duration) x price per ms, no request price: Power Tuning's number (its SnapStart sum
  counts the restore twice, since Billed Duration already includes Billed Restore Duration).
- ``duration_metric``: ``billed`` (default) = what you pay for; it includes INIT on on-demand cold starts
  since 2025-08-01. ``measured`` = Duration + Init Duration + Restore Duration, Power Tuning's "speed".
- ``on_error``: ``skip`` (default) drops a size whose invocations failed (e.g. out of memory at 128 MB)
  and recommends among the rest; ``abort`` stops the run at the first failed invocation, as Power Tuning
  does unless the error type is allowed.

Ties are broken as Power Tuning's analyzer does: equal cost -> faster wins, equal speed -> cheaper wins,
otherwise (and for balanced scores) the size listed first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from lambda_kit.tools import output, pricing, stats
from lambda_kit.tools.aws import InvokeResult, ToolError

STRATEGIES = ("cost", "speed", "balanced")
COST_MODELS = ("per-invocation", "power-tuning")
DURATION_METRICS = ("billed", "measured")
ON_ERROR = ("skip", "abort")


class InvocationFailed(ToolError):
    """--on-error abort: an invocation failed (Power Tuning's behaviour)."""


@dataclass
class MemoryResult:
    memory_mb: int
    billed_ms: list[float] = field(default_factory=list)
    measured_ms: list[float] = field(default_factory=list)  # Duration + Init + Restore
    billed_restore_ms: list[float] = field(default_factory=list)
    max_memory_used_mb: int | None = None
    errors: list[str] = field(default_factory=list)
    duration_ms: float | None = None  # trimmed mean of the chosen duration metric
    trimmed_billed_ms: float | None = None
    cost_per_invocation: float | None = None

    @property
    def failed(self) -> bool:
        return bool(self.errors) or self.duration_ms is None or self.cost_per_invocation is None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["failed"] = self.failed
        d["n"] = len(self.billed_ms)
        d["p50_billed_ms"] = stats.percentile(self.billed_ms, 50)
        d["p90_billed_ms"] = stats.percentile(self.billed_ms, 90)
        d["max_billed_ms"] = max(self.billed_ms) if self.billed_ms else None
        d["cost_per_million"] = self.cost_per_invocation * 1_000_000 if self.cost_per_invocation is not None else None
        return d


def failure_reason(r: InvokeResult) -> str | None:
    """Why an invocation does not count, or None if it does."""
    if r.report is None:
        return f"no report ({r.report_error})"
    if not r.report.ok:
        return r.report.error_type or r.report.status or "error"
    if r.function_error:
        return r.function_error
    if r.report.billed_duration_ms is None:
        return "report without Billed Duration (Lambda Managed Instances?)"
    return None


def analyze(
    memory_mb: int,
    samples: Sequence[InvokeResult],
    prices: pricing.Prices,
    trim: float = 0.2,
    *,
    cost_model: str = "per-invocation",
    duration_metric: str = "billed",
) -> MemoryResult:
    if cost_model not in COST_MODELS or duration_metric not in DURATION_METRICS:
        raise ValueError(f"cost_model must be one of {COST_MODELS}, duration_metric one of {DURATION_METRICS}")
    res = MemoryResult(memory_mb=memory_mb)
    for r in samples:
        reason = failure_reason(r)
        if reason is not None:
            res.errors.append(reason)
            if r.report is None or r.report.billed_duration_ms is None:
                continue
        report = r.report
        assert report is not None and report.billed_duration_ms is not None
        res.billed_ms.append(report.billed_duration_ms)
        res.measured_ms.append(report.server_ms)
        res.billed_restore_ms.append(report.billed_restore_duration_ms or 0.0)
        if report.max_memory_used_mb is not None:
            res.max_memory_used_mb = max(res.max_memory_used_mb or 0, report.max_memory_used_mb)
    res.trimmed_billed_ms = stats.trimmed_mean(res.billed_ms, trim)
    chosen = res.billed_ms if duration_metric == "billed" else res.measured_ms
    res.duration_ms = stats.trimmed_mean(chosen, trim)
    if res.trimmed_billed_ms is not None:
        if cost_model == "per-invocation":
            res.cost_per_invocation = pricing.cost_per_invocation(res.trimmed_billed_ms, memory_mb, prices)
        else:
            with_restore = [b + r for b, r in zip(res.billed_ms, res.billed_restore_ms, strict=True)]
            billed = stats.trimmed_mean(with_restore, trim) or 0.0
            res.cost_per_invocation = power_tuning_price(billed, memory_mb, prices)
    return res


def power_tuning_price(avg_billed_ms: float, memory_mb: int, prices: pricing.Prices) -> float:
    """Power Tuning's computePrice: ceil(average billed ms) x price per ms at this memory, no request price."""
    return math.ceil(avg_billed_ms) * pricing.cost_per_invocation(1, memory_mb, prices, include_request=False)


@dataclass(frozen=True)
class Candidate:
    """A memory size with a known cost and duration, in the order the sizes were given."""

    memory_mb: int
    cost: float
    duration_ms: float


def choose(candidates: Sequence[Candidate], strategy: str, weight: float = 0.5) -> tuple[Candidate, dict[int, float]]:
    """The recommended candidate (and the balanced scores, if any), with Power Tuning's tie-breaking."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
    if not 0 <= weight <= 1:
        raise ValueError("--balanced-weight must be between 0 and 1")
    if not candidates:
        raise ValueError("no candidates")
    order = {id(c): i for i, c in enumerate(candidates)}
    if strategy == "cost":
        return min(candidates, key=lambda c: (c.cost, c.duration_ms, order[id(c)])), {}
    if strategy == "speed":
        return min(candidates, key=lambda c: (c.duration_ms, c.cost, order[id(c)])), {}
    max_cost = max(c.cost for c in candidates)
    max_time = max(c.duration_ms for c in candidates)
    scores = {
        c.memory_mb: weight * _ratio(c.cost, max_cost) + (1 - weight) * _ratio(c.duration_ms, max_time)
        for c in candidates
    }
    return min(candidates, key=lambda c: (scores[c.memory_mb], order[id(c)])), scores


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def recommend(results: Sequence[MemoryResult], strategy: str = "cost", weight: float = 0.5) -> dict[str, Any]:
    """Pick a memory size among those that completed, and say why."""
    ok = [
        Candidate(r.memory_mb, r.cost_per_invocation, r.duration_ms)
        for r in results
        if not r.failed and r.cost_per_invocation is not None and r.duration_ms is not None
    ]
    excluded = [f"{r.memory_mb} MB ({', '.join(sorted(set(r.errors))) or 'no data'})" for r in results if r.failed]
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
    if not ok:
        raise ToolError("no memory size completed without errors: nothing to recommend (" + "; ".join(excluded) + ")")
    best, scores = choose(ok, strategy, weight)
    cheapest, _ = choose(ok, "cost")
    fastest, _ = choose(ok, "speed")
    reason = _reason(best, cheapest, fastest, ok, strategy, weight, scores)
    if excluded:
        reason += "; excluded after errors: " + "; ".join(excluded)
    return {
        "strategy": strategy,
        "balanced_weight": weight if strategy == "balanced" else None,
        "memory_mb": best.memory_mb,
        "cost_per_invocation": best.cost,
        "duration_ms": best.duration_ms,
        "cheapest_mb": cheapest.memory_mb,
        "fastest_mb": fastest.memory_mb,
        "scores": scores or None,
        "excluded": excluded,
        "reason": reason,
    }


def _reason(
    best: Candidate,
    cheapest: Candidate,
    fastest: Candidate,
    ok: Sequence[Candidate],
    strategy: str,
    weight: float,
    scores: dict[int, float],
) -> str:
    if strategy == "cost":
        reason = (
            f"{best.memory_mb} MB is the cheapest per invocation ({output.usd_small(best.cost)}, "
            f"{best.duration_ms:,.1f} ms)"
        )
        if fastest is not best:
            return reason + (
                f"; the fastest, {fastest.memory_mb} MB ({fastest.duration_ms:,.1f} ms), costs "
                f"{_pct(fastest.cost, best.cost)} more"
            )
        return reason + " and also the fastest"
    if strategy == "speed":
        reason = f"{best.memory_mb} MB is the fastest ({best.duration_ms:,.1f} ms, trimmed mean)"
        if cheapest is not best:
            reason += (
                f"; it costs {output.usd_small(best.cost)} per invocation, {_pct(best.cost, cheapest.cost)} more than "
                f"the cheapest, {cheapest.memory_mb} MB ({cheapest.duration_ms:,.1f} ms)"
            )
        else:
            reason += " and also the cheapest"
        smaller = [c for c in ok if c.memory_mb < best.memory_mb]
        if smaller:
            prev = max(smaller, key=lambda c: c.memory_mb)
            reason += f"; {1 - best.duration_ms / prev.duration_ms:.0%} faster than {prev.memory_mb} MB"
        return reason
    max_cost = max(c.cost for c in ok)
    max_time = max(c.duration_ms for c in ok)
    return (
        f"{best.memory_mb} MB has the lowest balanced score {scores[best.memory_mb]:.3f} "
        f"= {weight:g} x cost/max cost ({_ratio(best.cost, max_cost):.2f}) + "
        f"{1 - weight:g} x duration/max duration ({_ratio(best.duration_ms, max_time):.2f}); "
        f"cheapest is {cheapest.memory_mb} MB, fastest {fastest.memory_mb} MB"
    )


def _pct(a: float, b: float) -> str:
    return f"{(a / b - 1):.0%}" if b else "n/a"
