"""Where Lambda Managed Instances start to cost less than each other strategy: for a request duration, the request
rate (requests per second, spread evenly over the period) above which the managed-instances line is cheaper than the
on-demand, provisioned-concurrency or SnapStart line for the same traffic, every line priced by its own function
(``tools.pricing``, ``tools.lmi_pricing``) with the workload's memory, cold-start rate and INIT.

A managed-instances bill is a step function of the rate (whole instances, three at least) and the others grow with
it: the rate is found on a logarithmic grid from ``LOW`` to ``HIGH`` requests per second and refined by bisection
between the last grid point where LMI costs more and the first where it costs less. Where LMI costs more again
further up (its instances' price per request above the other's), the range ends there (``up_to``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from lambda_kit.tools import lmi_pricing, pricing

LOW, HIGH = 0.001, 100_000.0  # requests per second
GRID_POINTS_PER_DECADE = 30
BISECTIONS = 40


@dataclass(frozen=True)
class BreakEven:
    strategy: str  # the one LMI is compared with
    duration_ms: float
    from_rate: float | None  # requests per second; None: never between LOW and HIGH
    up_to: float | None = None  # LMI costs more again above this rate (None: not below HIGH)
    always: bool = False  # LMI already costs less at LOW

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _grid() -> list[float]:
    decades = math.log10(HIGH / LOW)
    return [LOW * 10 ** (i / GRID_POINTS_PER_DECADE) for i in range(int(decades * GRID_POINTS_PER_DECADE) + 1)]


def _crossing(cheaper: Callable[[float], bool], low: float, high: float, *, becomes: bool) -> float:
    """The rate between ``low`` and ``high`` where ``cheaper`` turns ``becomes`` (it is ``not becomes`` at low)."""
    for _ in range(BISECTIONS):
        middle = math.sqrt(low * high)
        low, high = (low, middle) if cheaper(middle) == becomes else (middle, high)
    return high


def break_even(cheaper: Callable[[float], bool], strategy: str, duration_ms: float) -> BreakEven:
    grid = _grid()
    flags = [cheaper(rate) for rate in grid]
    if True not in flags:
        return BreakEven(strategy, duration_ms, None)
    first = flags.index(True)
    start = grid[0] if first == 0 else _crossing(cheaper, grid[first - 1], grid[first], becomes=True)
    end = None
    if False in flags[first:]:
        last = first + flags[first:].index(False)
        end = _crossing(cheaper, grid[last - 1], grid[last], becomes=False)
    return BreakEven(strategy, duration_ms, start, end, always=first == 0)


def strategy_costs(
    w: pricing.Workload,
    prices: pricing.Prices,
    *,
    concurrency: int,
    cached_versions: int,
    billed_restore_ms: float,
) -> dict[str, Callable[[pricing.Workload], float]]:
    """The total of each strategy the data file can price, as a function of the workload."""
    costs: dict[str, Callable[[pricing.Workload], float]] = {
        "on-demand": lambda v: pricing.on_demand_for(v, prices).total
    }
    if concurrency > 0 and prices.pc_per_gb_second is not None and prices.pc_duration_per_gb_second is not None:
        costs["provisioned"] = lambda v: (
            pricing.provisioned(
                v.memory_mb, concurrency, v.hours, v.invocations, v.avg_duration_ms, prices, **v.options()
            ).total
        )
    if prices.snapstart_cache_per_gb_second is not None and prices.snapstart_restore_per_gb is not None:
        costs["snapstart"] = lambda v: (
            pricing.snapstart(
                v.memory_mb,
                v.hours,
                v.invocations,
                v.avg_duration_ms,
                v.cold_starts,
                prices,
                cached_versions,
                billed_restore_ms,
                **v.options(),
            ).total
        )
    return costs


def durations(avg_duration_ms: float | None) -> list[float]:
    """The durations of the table: the workload's, a quarter, half, twice and four times it; a spread without one."""
    if not avg_duration_ms:
        return [50.0, 100.0, 200.0, 500.0, 1000.0]
    return [avg_duration_ms * factor for factor in (0.25, 0.5, 1.0, 2.0, 4.0)]


def table(
    w: pricing.Workload,
    prices: pricing.Prices,
    lmi: lmi_pricing.LmiPrices,
    config: lmi_pricing.LmiConfig,
    **others: Any,
) -> list[BreakEven]:
    """For each duration, LMI against each other strategy: the workload's cold-start share and every other setting
    kept, its rate varied, the fleet sized for each rate (a fleet fixed with ``--lmi-instances`` would not carry
    every rate)."""
    cold_share = w.cold_starts / w.invocations if w.invocations else 0.0
    config = replace(config, instances=None)
    costs = strategy_costs(w, prices, **others)
    rows = []
    for duration in durations(w.avg_duration_ms or None):

        def at(rate: float, duration: float = duration) -> pricing.Workload:
            invocations = rate * w.hours * pricing.SECONDS_PER_HOUR
            return replace(
                w, invocations=invocations, avg_duration_ms=duration, cold_starts=math.ceil(invocations * cold_share)
            )

        for strategy, cost in costs.items():

            def cheaper(rate: float, cost: Callable[[pricing.Workload], float] = cost) -> bool:
                workload = at(rate)
                return lmi_pricing.managed_instances(workload, prices, lmi, config)[0].total <= cost(workload)

            rows.append(break_even(cheaper, strategy, duration))
    return rows
