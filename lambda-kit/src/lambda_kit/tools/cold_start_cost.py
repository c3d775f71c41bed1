"""What cold starts cost, per strategy, for the same traffic: none (on-demand, INIT billed since
2025-08-01), provisioned concurrency, SnapStart; and where one starts to pay for itself.

Inputs come from flags (``--cold-start-rate``, ``--init-ms``) or from the JSON that ``tools.cold_start
--json`` prints (``--from-report FILE``): measured Init/Restore Duration and billed durations.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from lambda_kit.tools import pricing, stats

COLD_GROUP = "$LATEST cold (forced)"
WARM_GROUP = "$LATEST warm"


@dataclass(frozen=True)
class Measured:
    """What a cold-start measurement says about one function."""

    memory_mb: int | None
    architecture: str | None
    avg_duration_ms: float | None  # billed, warm
    init_ms: float | None
    restore_ms: float | None
    billed_restore_ms: float | None
    source: str


def read_cold_start_report(path: Path) -> Measured:
    """Read ``lambda-kit cold-start --json`` output. Medians, so one slow sample does not decide."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or "groups" not in data or "function" not in data:
        raise ValueError(f"{path} is not a tools.cold_start --json report (no 'function' and 'groups')")
    groups: dict[str, Any] = data["groups"]
    reports = [s["report"] for g in groups.values() for s in g.get("samples", []) if s.get("report")]

    def median(values: list[float | None]) -> float | None:
        return stats.percentile([v for v in values if v is not None], 50)

    warm = [s["report"] for s in groups.get(WARM_GROUP, {}).get("samples", []) if s.get("report")]
    cold = [s["report"] for s in groups.get(COLD_GROUP, {}).get("samples", []) if s.get("report")]
    billed = [r.get("billed_duration_ms") for r in warm] or [r.get("billed_duration_ms") for r in reports]
    return Measured(
        memory_mb=data["function"].get("memory_mb"),
        architecture=data["function"].get("architecture"),
        avg_duration_ms=_mean([b for b in billed if b is not None]),
        init_ms=median([r.get("init_duration_ms") for r in cold]),
        restore_ms=median([r.get("restore_duration_ms") for r in reports]),
        billed_restore_ms=median([r.get("billed_restore_duration_ms") for r in reports]),
        source=str(path),
    )


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class StrategyRow:
    strategy: str
    cold_starts: float  # on the request path, in the period
    latency_ms: float | None  # added to each of those requests
    cold_start_cost: float  # what the cold starts themselves cost in the period
    total: float
    per_day: float
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compare(
    w: pricing.Workload,
    prices: pricing.Prices,
    *,
    concurrency: int,
    restore_ms: float | None,
    billed_restore_ms: float,
    cached_versions: int = 1,
    managed_instances: pricing.CostLine | None = None,
) -> dict[str, Any]:
    """none / provisioned / snapstart (/ managed instances, when priced) for the same workload (``w.cold_starts``
    on-demand cold starts)."""
    none = pricing.on_demand_for(w, prices, "none")
    rows = [
        StrategyRow(
            "none",
            w.cold_starts,
            w.init_ms or None,
            none.init,
            none.total,
            pricing.per_day(none.total, w.hours),
            "INIT billed as duration (on-demand, managed runtime, ZIP; since 2025-08-01)",
        )
    ]
    break_even: dict[str, Any] = {}
    if concurrency > 0 and prices.pc_per_gb_second is not None:
        pc = pricing.provisioned(
            w.memory_mb, concurrency, w.hours, w.invocations, w.avg_duration_ms, prices, **w.options()
        )
        util = pricing.utilization(w.memory_mb, concurrency, w.hours, w.invocations, w.avg_duration_ms)
        spill = max(0.0, 1 - 1 / util) if util > 1 else 0.0
        rows.append(
            StrategyRow(
                "provisioned",
                w.cold_starts * spill,
                w.init_ms if spill else None,
                pc.init,
                pc.total,
                pricing.per_day(pc.total, w.hours),
                f"{concurrency} environment(s), {util:.1%} utilized; their INIT is inside the PC charge",
            )
        )
        break_even["provisioned_utilization"] = pricing.break_even_utilization(prices)
        break_even["provisioned_cold_start_rate"] = _pc_break_even_rate(w, prices, pc.total)
    if prices.snapstart_cache_per_gb_second is not None and prices.snapstart_restore_per_gb is not None:
        ss = pricing.snapstart(
            w.memory_mb,
            w.hours,
            w.invocations,
            w.avg_duration_ms,
            w.cold_starts,
            prices,
            cached_versions,
            billed_restore_ms,
            **w.options(),  # its cold_starts are replaced by the restores
        )
        rows.append(
            StrategyRow(
                "snapstart",
                w.cold_starts,
                restore_ms,
                ss.snapstart_cache + ss.snapstart_restore,
                ss.total,
                pricing.per_day(ss.total, w.hours),
                "restores instead of INIT; snapshot cache billed"
                + ("" if restore_ms is not None else "; Restore Duration not measured"),
            )
        )
        break_even["snapstart_cold_starts_per_day"] = _snapstart_break_even(
            w, prices, billed_restore_ms, cached_versions
        )
    if managed_instances is not None:
        rows.append(
            StrategyRow(
                "managed-instances",
                0,
                None,
                0.0,
                managed_instances.total,
                pricing.per_day(managed_instances.total, w.hours),
                "no environment starts on the request path: each version's minimum is initialized at deploy, "
                "more while the provider scales (their hours are the instances')",
            )
        )
    return {"rows": rows, "break_even": break_even}


def _pc_break_even_rate(w: pricing.Workload, prices: pricing.Prices, pc_total: float) -> float | None:
    """The share of invocations starting cold (INIT billed) above which the PC line costs less than "none" for
    this traffic; None when there is no traffic to compare. PC's own total does not depend on it, as long as
    the provisioned environments carry the traffic."""
    if w.invocations <= 0 or w.init_ms <= 0:
        return None
    base = pricing.on_demand_for(replace(w, cold_starts=0), prices).total
    one_init = w.init_ms / 1000 * pricing.gb(w.memory_mb) * prices.duration_per_gb_second
    return (pc_total - base) / (w.invocations * one_init)


def _snapstart_break_even(
    w: pricing.Workload, prices: pricing.Prices, billed_restore_ms: float, cached_versions: int
) -> float | None:
    """Cold starts per day above which SnapStart costs less than billed INIT (None: it never does)."""
    assert prices.snapstart_cache_per_gb_second is not None and prices.snapstart_restore_per_gb is not None
    size = pricing.gb(w.memory_mb)
    init_cost = w.init_ms / 1000 * size * prices.duration_per_gb_second
    restore_cost = (
        size * prices.snapstart_restore_per_gb + billed_restore_ms / 1000 * size * prices.duration_per_gb_second
    )
    saving = init_cost - restore_cost
    cache_per_day = cached_versions * size * 24 * pricing.SECONDS_PER_HOUR * prices.snapstart_cache_per_gb_second
    if saving <= 0:
        return None
    return cache_per_day / saving


def workload_with_cold_starts(w: pricing.Workload, rate: float) -> pricing.Workload:
    if not 0 <= rate <= 1:
        raise ValueError(f"--cold-start-rate must be between 0 and 1, got {rate}")
    return replace(w, cold_starts=math.ceil(w.invocations * rate))
