"""Lambda price data and the arithmetic of the bill (pure functions, no AWS calls).

Prices come from ``tools/data/lambda_prices.json`` (one entry per region and architecture,
with source, date and a status per price: published / derived / secondary / null).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).parent / "data" / "lambda_prices.json"
ARCHITECTURES = ("x86_64", "arm64")
MIN_MEMORY_MB = 128
MAX_MEMORY_MB = 10_240
MB_PER_VCPU = 1_769  # AWS: at 1,769 MB a function has the equivalent of one vCPU
MAX_VCPUS = 6  # at 10,240 MB
SECONDS_PER_HOUR = 3_600

PRICE_FIELDS = (
    "request_per_million",
    "duration_per_gb_second",
    "pc_per_gb_second",
    "pc_duration_per_gb_second",
    "snapstart_cache_per_gb_second",
    "snapstart_restore_per_gb",
)


class PriceError(LookupError):
    """No price for this region/architecture (or a price the data file leaves null)."""


@dataclass(frozen=True)
class Prices:
    region: str
    architecture: str
    request_per_million: float
    duration_per_gb_second: float
    pc_per_gb_second: float | None
    pc_duration_per_gb_second: float | None
    snapstart_cache_per_gb_second: float | None
    snapstart_restore_per_gb: float | None
    source: str = ""
    as_of: str = ""
    status: dict[str, str] = field(default_factory=dict)

    @property
    def request_price(self) -> float:
        return self.request_per_million / 1_000_000

    def with_overrides(self, **overrides: float | None) -> Prices:
        """Replace prices given on the command line; their status becomes 'override'."""
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - set(PRICE_FIELDS)
        if unknown:
            raise ValueError(f"unknown price field(s): {sorted(unknown)}")
        status = dict(self.status)
        for key in given:
            status[key] = "override (command line)"
        changes: dict[str, Any] = {**given, "status": status}
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def _load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def available_regions(path: Path = PRICES_FILE) -> list[str]:
    return sorted(_load(str(path))["prices"])


def get_prices(region: str, architecture: str, path: Path = PRICES_FILE) -> Prices:
    if architecture not in ARCHITECTURES:
        raise PriceError(f"unknown architecture {architecture!r}; expected one of {ARCHITECTURES}")
    data = _load(str(path))["prices"]
    if region not in data:
        raise PriceError(
            f"no Lambda prices for region {region!r} in {path.name} "
            f"(known: {', '.join(sorted(data))}); add it to the data file with its source and date"
        )
    entry = data[region].get(architecture)
    if entry is None:
        raise PriceError(f"no {architecture} prices for {region} in {path.name}")
    return Prices(
        region=region,
        architecture=architecture,
        source=entry.get("source", ""),
        as_of=entry.get("as_of", ""),
        status=dict(entry.get("status", {})),
        **{k: entry.get(k) for k in PRICE_FIELDS},
    )


# ---------------------------------------------------------------- memory and CPU


def validate_memory(memory_mb: int) -> int:
    if not MIN_MEMORY_MB <= memory_mb <= MAX_MEMORY_MB:
        raise ValueError(f"memory must be {MIN_MEMORY_MB}..{MAX_MEMORY_MB} MB, got {memory_mb}")
    return memory_mb


def gb(memory_mb: int) -> float:
    """Lambda bills memory in GB of 1,024 MB."""
    return memory_mb / 1024


def vcpu_share(memory_mb: int) -> float:
    """CPU time a function gets, in vCPUs: proportional to memory, 1,769 MB = 1 vCPU (capped at 6)."""
    return min(memory_mb / MB_PER_VCPU, MAX_VCPUS)


def vcpu_count(memory_mb: int) -> int:
    """vCPUs visible to the function (threads that can run at once): 1 up to 1,769 MB ... 6 at 10,240 MB."""
    return min(max(1, math.ceil(memory_mb / MB_PER_VCPU)), MAX_VCPUS)


# ---------------------------------------------------------------- cost lines


@dataclass(frozen=True)
class CostLine:
    """One strategy's bill for the period (all amounts in USD)."""

    strategy: str
    requests: float = 0.0
    duration: float = 0.0
    provisioned: float = 0.0
    snapstart_cache: float = 0.0
    snapstart_restore: float = 0.0
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        return self.requests + self.duration + self.provisioned + self.snapstart_cache + self.snapstart_restore

    def to_dict(self, hours: float) -> dict[str, Any]:
        d = asdict(self)
        d["notes"] = list(self.notes)
        d["total"] = self.total
        d["per_day"] = per_day(self.total, hours)
        return d


def per_day(amount: float, hours: float) -> float:
    return amount / hours * 24 if hours else 0.0


def request_cost(invocations: float, prices: Prices) -> float:
    return invocations * prices.request_price


def compute_gb_seconds(invocations: float, avg_duration_ms: float, memory_mb: int) -> float:
    return invocations * (avg_duration_ms / 1000) * gb(memory_mb)


def on_demand(memory_mb: int, invocations: float, avg_duration_ms: float, prices: Prices) -> CostLine:
    gbs = compute_gb_seconds(invocations, avg_duration_ms, memory_mb)
    return CostLine(
        strategy="on-demand",
        requests=request_cost(invocations, prices),
        duration=gbs * prices.duration_per_gb_second,
    )


def pc_capacity_gb_seconds(memory_mb: int, concurrency: int, hours: float) -> float:
    return concurrency * gb(memory_mb) * hours * SECONDS_PER_HOUR


def provisioned(
    memory_mb: int, concurrency: int, hours: float, invocations: float, avg_duration_ms: float, prices: Prices
) -> CostLine:
    """PC charge for the configured environments + the (lower) PC duration price for the traffic they serve.

    Traffic is assumed spread evenly over the period: the GB-seconds beyond the PC capacity
    ("spill-over", concurrency above the provisioned level) are billed at the on-demand price.
    """
    if prices.pc_per_gb_second is None or prices.pc_duration_per_gb_second is None:
        raise PriceError(f"no provisioned-concurrency price for {prices.region}/{prices.architecture}")
    capacity = pc_capacity_gb_seconds(memory_mb, concurrency, hours)
    used = compute_gb_seconds(invocations, avg_duration_ms, memory_mb)
    served = min(used, capacity)
    spill = used - served
    notes = []
    if spill > 0:
        notes.append(f"{spill:,.0f} GB-s above the provisioned capacity billed on-demand")
    return CostLine(
        strategy="provisioned",
        requests=request_cost(invocations, prices),
        duration=served * prices.pc_duration_per_gb_second + spill * prices.duration_per_gb_second,
        provisioned=capacity * prices.pc_per_gb_second,
        notes=tuple(notes),
    )


def snapstart(
    memory_mb: int,
    hours: float,
    invocations: float,
    avg_duration_ms: float,
    restores: float,
    prices: Prices,
    cached_versions: int = 1,
) -> CostLine:
    """SnapStart (Python 3.12+): on-demand requests/duration + snapshot cache per GB-s + restores per GB."""
    if prices.snapstart_cache_per_gb_second is None or prices.snapstart_restore_per_gb is None:
        raise PriceError(f"no SnapStart price for {prices.region}/{prices.architecture}")
    base = on_demand(memory_mb, invocations, avg_duration_ms, prices)
    cache_seconds = max(hours, 3) * SECONDS_PER_HOUR  # AWS bills the cache for at least 3 hours
    return CostLine(
        strategy="snapstart",
        requests=base.requests,
        duration=base.duration,
        snapstart_cache=cached_versions * gb(memory_mb) * cache_seconds * prices.snapstart_cache_per_gb_second,
        snapstart_restore=restores * gb(memory_mb) * prices.snapstart_restore_per_gb,
    )


def break_even_utilization(prices: Prices) -> float | None:
    """Fraction of the provisioned capacity that must be busy for PC to cost less than on-demand.

    PC per GB-s of capacity costs ``pc + u * pc_duration``; on-demand for the same work costs
    ``u * duration``. Equal at ``u = pc / (duration - pc_duration)``. Above 1.0 PC never wins.
    """
    if prices.pc_per_gb_second is None or prices.pc_duration_per_gb_second is None:
        return None
    saving = prices.duration_per_gb_second - prices.pc_duration_per_gb_second
    if saving <= 0:
        return math.inf
    return prices.pc_per_gb_second / saving


def utilization(memory_mb: int, concurrency: int, hours: float, invocations: float, avg_duration_ms: float) -> float:
    capacity = pc_capacity_gb_seconds(memory_mb, concurrency, hours)
    if capacity == 0:
        return 0.0
    return compute_gb_seconds(invocations, avg_duration_ms, memory_mb) / capacity


def cost_per_invocation(billed_ms: float, memory_mb: int, prices: Prices, include_request: bool = True) -> float:
    """On-demand cost of one invocation billed ``billed_ms`` at ``memory_mb``."""
    cost = (billed_ms / 1000) * gb(memory_mb) * prices.duration_per_gb_second
    return cost + (prices.request_price if include_request else 0.0)
