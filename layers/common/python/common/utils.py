"""Small stdlib-only helpers: environment variables and UTC time."""

from __future__ import annotations

import os
from datetime import UTC, datetime


class MissingEnvironmentVariable(RuntimeError):
    """A required setting is absent; raised at import so the function fails at init, loudly."""


def require_env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise MissingEnvironmentVariable(f"Missing required environment variable {name}")
    return value


def env_number(name: str, default: float, *, minimum: float = 0) -> float:
    """A numeric setting; a malformed value fails init with the variable's name, not a bare ValueError."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"Environment variable {name} must be a number, got {raw!r}") from None
    if not value >= minimum:  # also rejects NaN
        raise ValueError(f"Environment variable {name} must be >= {minimum}, got {raw!r}")
    return value


def utc_now() -> datetime:
    # The seed uses datetime.utcnow(): naive (no tzinfo, so it reads as local time) and deprecated
    # since Python 3.12. A timezone-aware value serializes with its "+00:00" offset.
    return datetime.now(UTC)


def utc_now_iso() -> str:
    return utc_now().isoformat(timespec="milliseconds")
