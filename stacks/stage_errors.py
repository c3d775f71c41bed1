"""The error a bad stage setting raises, and the two checks most settings use: a number inside its bounds, a value
among its choices. Each message names the stage, the field, the value and what is allowed.

Pure Python (no aws_cdk import): ``stacks/stage_rules.py`` and ``stacks/managed_instances_rules.py`` use it.
"""

from __future__ import annotations

from typing import Any


class ConfigError(ValueError):
    """A stage setting is invalid; the message names the field, the value and what is allowed."""


def check_range(stage: str, name: str, value: int, bounds: tuple[int, int], unit: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise ConfigError(f"stage {stage!r}: {name}={value} is out of range: allowed {low}–{high} {unit}")


def check_choice(stage: str, name: str, value: Any, allowed: tuple[Any, ...]) -> None:
    if value not in allowed:
        raise ConfigError(
            f"stage {stage!r}: {name}={value!r} is not allowed: choose one of {', '.join(map(str, allowed))}"
        )
