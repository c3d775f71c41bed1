"""What the function reads from its runtime config document (config.json in the config bucket)."""

from __future__ import annotations

from typing import Any, NamedTuple

from common.config_cache import ConfigUnavailable


class OrderLimits(NamedTuple):  # NamedTuple: see orders.settings
    max_items_per_order: int

    @classmethod
    def from_document(cls, document: dict[str, Any], source: str = "config") -> OrderLimits:
        """``source`` (where the document came from) goes into the error message, for the log."""
        value = document.get("max_items_per_order")
        # bool is a subclass of int: `true` must not read as a limit of 1.
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigUnavailable(f"{source}: max_items_per_order must be an integer >= 1")
        return cls(max_items_per_order=value)
