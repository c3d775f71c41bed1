"""Small statistics helpers (no numpy needed)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (p50 of [1, 2, 3, 4] is 2; p90 of 10 samples is the 9th): never invents values."""
    if not values:
        return None
    if not 0 < pct <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {pct}")
    ordered = sorted(values)
    rank = math.ceil(pct / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def trimmed_mean(values: Sequence[float], trim: float = 0.2) -> float | None:
    """Mean after dropping ``trim`` of the samples at each end (20 % = AWS Lambda Power Tuning's default).

    The number dropped per side is ``floor(n * trim)``; with too few samples nothing is dropped.
    """
    if not values:
        return None
    if not 0 <= trim < 0.5:
        raise ValueError(f"trim must be in [0, 0.5), got {trim}")
    ordered = sorted(values)
    k = math.floor(len(ordered) * trim)
    kept = ordered[k : len(ordered) - k] if k else ordered
    return sum(kept) / len(kept)


def summary(values: Sequence[float]) -> dict[str, float | None]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "max": max(values) if values else None,
        "mean": (sum(values) / len(values)) if values else None,
    }
