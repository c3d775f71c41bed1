"""Rendering: plain-text tables for people, JSON for machines."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    """Monospace table; ``align`` is one char per column, 'l' or 'r' (default: first left, rest right)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, v in enumerate(row):
            widths[i] = max(widths[i], len(v))
    align = align or ("l" + "r" * (len(headers) - 1))

    def fmt(row: Sequence[str]) -> str:
        parts = [v.ljust(w) if a == "l" else v.rjust(w) for v, w, a in zip(row, widths, align, strict=False)]
        return "  ".join(parts).rstrip()

    lines = [fmt(list(headers)), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in cells]
    return "\n".join(lines)


def _cell(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if math.isinf(v):
            return "inf"
        return f"{v:,.1f}"
    return str(v)


def usd(amount: float | None, digits: int = 2) -> str:
    if amount is None:
        return "-"
    return f"${amount:,.{digits}f}"


def usd_small(amount: float | None) -> str:
    """Prices per invocation are tiny: show significant digits."""
    if amount is None:
        return "-"
    if amount <= 0 or amount >= 0.01:
        return usd(amount)
    digits = -math.floor(math.log10(amount)) + 2  # three significant digits, never scientific notation
    return f"${amount:.{digits}f}"


def price(value: float | None) -> str:
    """Unit prices like $0.0000166667 (never scientific notation)."""
    if value is None:
        return "-"
    return "$" + f"{value:.10f}".rstrip("0").rstrip(".")


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, default=_default)


def _default(o: Any) -> Any:
    if isinstance(o, float) and math.isinf(o):
        return None
    if hasattr(o, "to_dict"):
        return o.to_dict()
    raise TypeError(f"not JSON serializable: {type(o).__name__}")
