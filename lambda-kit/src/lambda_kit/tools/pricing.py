"""The arithmetic of the Lambda bill (pure functions, no AWS calls): memory and CPU, monthly duration
tiers, free tier, INIT billing, ephemeral storage, and the on-demand / provisioned / SnapStart lines.

Prices come from ``tools.price_data`` (re-exported here).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

from lambda_kit.tools.price_data import ARCHITECTURES as ARCHITECTURES
from lambda_kit.tools.price_data import PRICE_FIELDS as PRICE_FIELDS
from lambda_kit.tools.price_data import PRICES_FILE as PRICES_FILE
from lambda_kit.tools.price_data import PriceError as PriceError
from lambda_kit.tools.price_data import Prices as Prices
from lambda_kit.tools.price_data import available_regions as available_regions
from lambda_kit.tools.price_data import get_prices as get_prices

MIN_MEMORY_MB = 128
MAX_MEMORY_MB = 10_240
MB_PER_VCPU = 1_769  # AWS: at 1,769 MB a function has the equivalent of one vCPU
MAX_VCPUS = 6  # at 10,240 MB
SECONDS_PER_HOUR = 3_600
HOURS_PER_MONTH = 730  # AWS's pricing examples use 730 hours a month
FREE_STORAGE_MB = 512  # ephemeral storage included in the price
MAX_STORAGE_MB = 10_240
# AWS free tier, per month and per account (shared by every function, x86 and arm64 together)
FREE_TIER_REQUESTS = 1_000_000
FREE_TIER_GB_SECONDS = 400_000

# ---------------------------------------------------------------- memory and CPU


def validate_memory(memory_mb: int) -> int:
    if not MIN_MEMORY_MB <= memory_mb <= MAX_MEMORY_MB:
        raise ValueError(f"memory must be {MIN_MEMORY_MB}..{MAX_MEMORY_MB} MB, got {memory_mb}")
    return memory_mb


def gb(memory_mb: int) -> float:
    """Lambda bills memory in GB of 1,024 MB."""
    return memory_mb / 1024


def vcpu_share(memory_mb: int) -> float:
    """CPU time a function gets, in vCPUs' worth: proportional to memory, 1,769 MB = one vCPU (AWS's ratio).

    At 10,240 MB that is 5.79: the function *sees* 6 vCPUs (``vcpu_count``) but its CPU time is still
    proportional to memory, so the two numbers differ at the top of the range, by design.
    """
    return memory_mb / MB_PER_VCPU


def vcpu_count(memory_mb: int) -> int:
    """vCPUs visible to the function (threads that can run at once): 1 up to 1,769 MB ... 6 at 10,240 MB."""
    return min(max(1, math.ceil(memory_mb / MB_PER_VCPU)), MAX_VCPUS)


def validate_storage(storage_mb: int) -> int:
    if not FREE_STORAGE_MB <= storage_mb <= MAX_STORAGE_MB:
        raise ValueError(f"ephemeral storage must be {FREE_STORAGE_MB}..{MAX_STORAGE_MB} MB, got {storage_mb}")
    return storage_mb


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
    init: float = 0.0  # billed INIT phase of on-demand cold starts (since 2025-08-01)
    ephemeral: float = 0.0
    # Lambda Managed Instances (tools.lmi_pricing): the instances' hours, the fee on their on-demand price, the VPC's
    # route out.
    instances: float = 0.0
    management_fee: float = 0.0
    network: float = 0.0
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        return (
            self.requests
            + self.duration
            + self.provisioned
            + self.snapstart_cache
            + self.snapstart_restore
            + self.init
            + self.ephemeral
            + self.instances
            + self.management_fee
            + self.network
        )

    def to_dict(self, hours: float) -> dict[str, Any]:
        d = asdict(self)
        d["notes"] = list(self.notes)
        d["total"] = self.total
        d["per_day"] = per_day(self.total, hours)
        return d


def per_day(amount: float, hours: float) -> float:
    return amount / hours * 24 if hours > 0 else 0.0


def request_cost(invocations: float, prices: Prices) -> float:
    return invocations * prices.request_price


def compute_gb_seconds(invocations: float, avg_duration_ms: float, memory_mb: int) -> float:
    return invocations * (avg_duration_ms / 1000) * gb(memory_mb)


@dataclass(frozen=True)
class TierUse:
    """GB-seconds of one month billed in one duration tier."""

    tier: int  # 1, 2, 3
    gb_seconds: float
    price: float

    @property
    def cost(self) -> float:
        return self.gb_seconds * self.price


def tiered_month(month_gb_seconds: float, prices: Prices, already_used: float = 0.0) -> list[TierUse]:
    """Split one month's on-demand GB-seconds over AWS's duration tiers.

    Tiers apply to the account's monthly total per region and architecture: ``already_used`` is what
    other functions of the account already consumed this month (it fills the cheaper-for-AWS tiers first).
    """
    uses: list[TierUse] = []
    low = 0.0
    start, end = already_used, already_used + month_gb_seconds
    for number, (upper, price) in enumerate(prices.tiers, start=1):
        high = math.inf if upper is None else upper
        part = max(0.0, min(end, high) - max(start, low))
        if part > 0:
            uses.append(TierUse(number, part, price))
        low = high
    return uses


def higher_tiers_used(w: Workload, prices: Prices) -> bool:
    """Whether the workload's monthly total (with the account's other use) reaches beyond the first tier."""
    first = prices.tiers[0][0]
    month = (w.gb_seconds + w.init_gb_seconds) * HOURS_PER_MONTH / w.hours + w.account_month_gb_seconds
    return first is not None and month > first


def tiered_cost(gb_seconds: float, hours: float, prices: Prices, already_used: float = 0.0) -> tuple[float, str]:
    """Duration cost of ``gb_seconds`` used in ``hours``, with tiers applied to the monthly total this implies
    (the period scaled to 730 hours). Returns the cost and a note saying which tier(s) it assumed."""
    if gb_seconds <= 0:
        return 0.0, ""
    scale = HOURS_PER_MONTH / hours
    uses = tiered_month(gb_seconds * scale, prices, already_used)
    cost = sum(u.cost for u in uses) / scale
    where = " + ".join(f"tier {u.tier} ({u.gb_seconds:,.0f} GB-s at {u.price:.10f})" for u in uses)
    note = f"duration tiers on a monthly total of {gb_seconds * scale:,.0f} GB-s"
    if already_used:
        note += f" after {already_used:,.0f} GB-s used by the account's other functions"
    return cost, f"{note}: {where}"


def free_tier_share(hours: float) -> tuple[float, float]:
    """The free tier's requests and GB-seconds for a period of ``hours`` (a 730-hour month's share)."""
    share = min(hours, HOURS_PER_MONTH) / HOURS_PER_MONTH
    return FREE_TIER_REQUESTS * share, FREE_TIER_GB_SECONDS * share


def ephemeral_cost(storage_mb: int, duration_seconds: float, prices: Prices) -> float:
    """Ephemeral storage above the included 512 MB, per GB-second of execution."""
    extra_gb = max(0, storage_mb - FREE_STORAGE_MB) / 1024
    if extra_gb == 0 or duration_seconds <= 0:
        return 0.0
    if prices.ephemeral_per_gb_second is None:
        raise PriceError(f"no ephemeral-storage price for {prices.region}/{prices.architecture}")
    return extra_gb * duration_seconds * prices.ephemeral_per_gb_second


@dataclass(frozen=True)
class Workload:
    """What runs in the period, for the on-demand part of every strategy."""

    memory_mb: int
    invocations: float = 0.0
    avg_duration_ms: float = 0.0
    hours: float = 24.0
    cold_starts: float = 0.0  # new environments on the request path
    init_ms: float = 0.0  # billed INIT per cold start (on-demand, managed runtime, ZIP)
    storage_mb: int = FREE_STORAGE_MB
    account_month_gb_seconds: float = 0.0  # other functions' use, for the tiers
    free_tier: bool = False

    @property
    def duration_seconds(self) -> float:
        return self.invocations * self.avg_duration_ms / 1000

    @property
    def gb_seconds(self) -> float:
        return self.duration_seconds * gb(self.memory_mb)

    @property
    def init_gb_seconds(self) -> float:
        return self.cold_starts * self.init_ms / 1000 * gb(self.memory_mb)

    def options(self) -> dict[str, Any]:
        """Its settings beyond memory, traffic and period: what ``provisioned``/``snapstart`` take as ``**more``."""
        core = ("memory_mb", "invocations", "avg_duration_ms", "hours")
        return {k: v for k, v in asdict(self).items() if k not in core}


def on_demand(memory_mb: int, invocations: float, avg_duration_ms: float, prices: Prices, **more: Any) -> CostLine:
    """On-demand: requests + tiered duration (+ billed INIT of cold starts, + ephemeral storage)."""
    return on_demand_for(Workload(memory_mb, invocations, avg_duration_ms, **more), prices)


def on_demand_for(w: Workload, prices: Prices, strategy: str = "on-demand", billed_init: bool = True) -> CostLine:
    notes: list[str] = []
    init_gbs = w.init_gb_seconds if billed_init else 0.0
    billed_gbs = w.gb_seconds + init_gbs
    requests, gbs = w.invocations, billed_gbs
    if w.free_tier:
        free_requests, free_gbs = free_tier_share(w.hours)
        requests, gbs = max(0.0, requests - free_requests), max(0.0, gbs - free_gbs)
        notes.append(
            f"free tier applied: {free_requests:,.0f} requests and {free_gbs:,.0f} GB-s for {w.hours:g} h "
            "(shared by the whole account, so only if nothing else uses it; not for provisioned concurrency)"
        )
    cost, tier_note = tiered_cost(gbs, w.hours, prices, w.account_month_gb_seconds)
    if tier_note:
        notes.append(tier_note)
    init_share = init_gbs / billed_gbs if billed_gbs else 0.0
    return CostLine(
        strategy=strategy,
        requests=request_cost(requests, prices),
        duration=cost * (1 - init_share),
        init=cost * init_share,
        ephemeral=ephemeral_cost(w.storage_mb, w.duration_seconds, prices),
        notes=tuple(notes),
    )


def pc_capacity_gb_seconds(memory_mb: int, concurrency: int, hours: float) -> float:
    return concurrency * gb(memory_mb) * hours * SECONDS_PER_HOUR


def provisioned(
    memory_mb: int,
    concurrency: int,
    hours: float,
    invocations: float,
    avg_duration_ms: float,
    prices: Prices,
    **more: Any,
) -> CostLine:
    """PC charge for the configured environments + the (lower) PC duration price for the traffic they serve.

    Traffic is assumed spread evenly over the period: the GB-seconds beyond the PC capacity
    ("spill-over", concurrency above the provisioned level) are billed on-demand, with their share of the
    cold starts (whose INIT is billed). The free tier does not apply to PC.
    """
    if prices.pc_per_gb_second is None or prices.pc_duration_per_gb_second is None:
        raise PriceError(f"no provisioned-concurrency price for {prices.region}/{prices.architecture}")
    w = Workload(memory_mb, invocations, avg_duration_ms, hours, **{**more, "free_tier": False})
    capacity = pc_capacity_gb_seconds(memory_mb, concurrency, hours)
    served = min(w.gb_seconds, capacity)
    spill_share = (w.gb_seconds - served) / w.gb_seconds if w.gb_seconds else 0.0
    spill = on_demand_for(
        replace(w, invocations=w.invocations * spill_share, cold_starts=w.cold_starts * spill_share),
        prices,
    )  # only its duration and INIT are taken
    notes = []
    if spill_share > 0:
        notes.append(f"{w.gb_seconds - served:,.0f} GB-s above the provisioned capacity billed on-demand")
    return CostLine(
        strategy="provisioned",
        requests=request_cost(invocations, prices),
        duration=served * prices.pc_duration_per_gb_second + spill.duration,
        init=spill.init,
        provisioned=capacity * prices.pc_per_gb_second,
        ephemeral=ephemeral_cost(w.storage_mb, w.duration_seconds, prices),
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
    restore_billed_ms: float = 0.0,
    **more: Any,
) -> CostLine:
    """SnapStart (Python 3.12+): on-demand requests/duration without INIT (the snapshot replaces it),
    + snapshot cache per GB-s (at least 3 hours, per cached version) + per restore: GB restored x restore
    price and the billed restore duration (runtime hooks) at the duration price."""
    if prices.snapstart_cache_per_gb_second is None or prices.snapstart_restore_per_gb is None:
        raise PriceError(f"no SnapStart price for {prices.region}/{prices.architecture}")
    w = Workload(memory_mb, invocations, avg_duration_ms, hours, **{**more, "cold_starts": restores})
    base = on_demand_for(w, prices, billed_init=False)
    cache_seconds = max(hours, 3) * SECONDS_PER_HOUR
    restore_gbs = restores * restore_billed_ms / 1000 * gb(memory_mb)
    return CostLine(
        strategy="snapstart",
        requests=base.requests,
        duration=base.duration,
        ephemeral=base.ephemeral,
        snapstart_cache=cached_versions * gb(memory_mb) * cache_seconds * prices.snapstart_cache_per_gb_second,
        snapstart_restore=restores * gb(memory_mb) * prices.snapstart_restore_per_gb
        + restore_gbs * prices.duration_per_gb_second,
        notes=base.notes,
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
