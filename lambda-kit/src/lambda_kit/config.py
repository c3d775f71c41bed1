"""What a project tells the kit about itself: the ``[tool.lambda-kit]`` table of its ``pyproject.toml`` (the
working directory's), next to its ruff, mypy and pytest settings. Everything in it is an input the kit cannot read
from the cloud assembly: the sample events and the field the tools vary in them, the sequence ``lambda-kit
local`` sends, the benchmark's baseline handlers, the mutation table.

    [tool.lambda-kit]
    events = "events"            # sample events (API Gateway's, Lambda's, ...): where tools look for them
    id-field = "order_id"        # the request field given a fresh value per request (body and path parameter)
    payload = "get_order.json"   # what the deployed-stage tools invoke with by default
    stage-stacks = "*-{stage}-*" # --stage NAME: the stacks of that stage (the CDK CLI's glob)

Paths are relative to the directory that holds the ``pyproject.toml``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_FILE = "pyproject.toml"
TABLE = "lambda-kit"
STAGE_STACKS = "stage-stacks"  # the stacks of a stage, a glob with "{stage}" in it: "*-{stage}-*"


class ConfigError(ValueError):
    """``[tool.lambda-kit]`` is missing something a command needs, or holds a wrong value (named)."""


@dataclass(frozen=True)
class KitConfig:
    root: Path
    table: Mapping[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.table.get(name, {})
        if not isinstance(value, Mapping):
            raise ConfigError(f"[tool.{TABLE}.{name}] in {self.root / CONFIG_FILE} must be a table")
        return value

    def path(self, key: str, default: str | None = None) -> Path:
        value = self.table.get(key, default)
        if not isinstance(value, str):
            raise ConfigError(f"[tool.{TABLE}] {key} in {self.root / CONFIG_FILE}: expected a path, got {value!r}")
        return self.root / value

    def value(self, key: str, default: Any = None) -> Any:
        return self.table.get(key, default)

    @property
    def events(self) -> Path:
        return self.path("events", "events")

    @property
    def id_field(self) -> str | None:
        value = self.table.get("id-field")
        return str(value) if value is not None else None


def load(root: Path | None = None) -> KitConfig:
    """The working directory's (or ``root``'s) ``[tool.lambda-kit]``; an empty one when there is none."""
    root = (root or Path.cwd()).resolve()
    path = root / CONFIG_FILE
    if not path.is_file():
        return KitConfig(root)
    with path.open("rb") as file:
        document = tomllib.load(file)
    return KitConfig(root, document.get("tool", {}).get(TABLE, {}))


def stack_patterns(stage: str | None, stacks: list[str], config: KitConfig | None = None) -> list[str]:
    """``--stack`` globs, plus the stage's through ``[tool.lambda-kit] stage-stacks`` when ``--stage`` is given."""
    if stage is None:
        return stacks
    pattern = (config or load()).value(STAGE_STACKS)
    if not isinstance(pattern, str) or "{stage}" not in pattern:
        raise ConfigError(f"--stage needs [tool.{TABLE}] {STAGE_STACKS} (a glob with {{stage}}); or pass --stack")
    return [*stacks, pattern.format(stage=stage)]
