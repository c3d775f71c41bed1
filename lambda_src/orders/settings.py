"""The function's settings, read once from environment variables at init."""

from __future__ import annotations

import os
from dataclasses import dataclass

from common.utils import env_number, require_env


@dataclass(frozen=True)
class Settings:
    table_name: str
    config_bucket: str
    config_key: str = "config.json"
    config_ttl_seconds: float = 300.0

    @classmethod
    def from_env(cls) -> "Settings":
        """Raise at init, naming the variable, when a required one is missing (no KeyError later)."""
        return cls(
            table_name=require_env("TABLE_NAME"),
            config_bucket=require_env("CONFIG_BUCKET"),
            config_key=os.environ.get("CONFIG_KEY", "").strip() or "config.json",
            config_ttl_seconds=env_number("CONFIG_TTL_SECONDS", 300.0),
        )
