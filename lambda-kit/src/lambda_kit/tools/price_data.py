"""Lambda price data: one entry per region and architecture in ``tools/data/lambda_prices.json``, with its
source, date and a status per price (published / derived / secondary / unverified / null).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).parent / "data" / "lambda_prices.json"
ARCHITECTURES = ("x86_64", "arm64")

PRICE_FIELDS = (
    "request_per_million",
    "duration_per_gb_second",
    "pc_per_gb_second",
    "pc_duration_per_gb_second",
    "snapstart_cache_per_gb_second",
    "snapstart_restore_per_gb",
    "ephemeral_per_gb_second",
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
    ephemeral_per_gb_second: float | None = None
    # monthly on-demand duration tiers: (upper bound in GB-s per month or None, price per GB-s)
    duration_tiers: tuple[tuple[float | None, float], ...] = ()
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
        if "duration_per_gb_second" in given:  # one flat price replaces the tiers
            changes["duration_tiers"] = ((None, given["duration_per_gb_second"]),)
        return replace(self, **changes)

    def with_none(self, key: str) -> Prices:
        """The same prices without ``key`` (as a data file that does not know it)."""
        if key not in PRICE_FIELDS:
            raise ValueError(f"unknown price field {key!r}")
        return replace(self, **{key: None})  # type: ignore[arg-type]

    @property
    def tiers(self) -> tuple[tuple[float | None, float], ...]:
        return self.duration_tiers or ((None, self.duration_per_gb_second),)

    def flagged(self, used: tuple[str, ...] = PRICE_FIELDS) -> list[str]:
        """Prices among ``used`` that are not published numbers (derived, secondary, overridden, unverified)."""
        return [
            f"{key}: {self.status[key]}"
            for key in used
            if getattr(self, key) is not None and not self.status.get(key, "published").startswith("published")
        ]

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
    tiers = tuple((t["up_to_gb_seconds_per_month"], t["price_per_gb_second"]) for t in entry.get("duration_tiers", []))
    if tiers and tiers[0][1] != entry["duration_per_gb_second"]:
        raise PriceError(
            f"{path.name}: {region}/{architecture}: first duration tier differs from duration_per_gb_second"
        )
    return Prices(
        region=region,
        architecture=architecture,
        source=entry.get("source", ""),
        as_of=entry.get("as_of", ""),
        status=dict(entry.get("status", {})),
        duration_tiers=tiers,
        **{k: entry.get(k) for k in PRICE_FIELDS},
    )
