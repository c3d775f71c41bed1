"""Stage settings: one typed, validated object per stage.

Defaults for ``dev`` and ``prod`` live here. ``cdk.json`` (context ``stages``) and ``-c`` flags override
them; everything is validated before a single construct is built, so a bad value fails ``cdk synth``
with a message that names the stage, the field, the value and what is allowed.

Pure Python (no aws_cdk import) so the tools and unit tests can import it cheaply.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from stacks.naming import DEFAULT_PROJECT_NAME

DEFAULT_STAGE = "dev"
DEFAULT_REGION = "ap-northeast-1"
ARCHITECTURES = ("arm64", "x86_64")
REMOVAL_POLICIES = ("destroy", "retain")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# The values CloudWatch Logs accepts for a log group's retention (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                      2557, 2922, 3288, 3653)
MEMORY_MB_RANGE = (128, 10240)
# API Gateway's integration timeout is 29 s: a longer function timeout only lets the function run on
# after the client already got a 504.
TIMEOUT_SECONDS_RANGE = (1, 29)
CONFIG_TTL_SECONDS_RANGE = (0, 3600)

_PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9]{1,11}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


class ConfigError(ValueError):
    """A stage setting is invalid; the message names the field, the value and what is allowed."""


@dataclass(frozen=True)
class StageConfig:
    project_name: str
    stage: str
    account: str | None
    region: str
    memory_mb: int
    timeout_seconds: int
    architecture: str
    provisioned_concurrency: int
    log_retention_days: int
    removal_policy: str
    log_level: str
    config_ttl_seconds: int

    @property
    def is_retained(self) -> bool:
        return self.removal_policy == "retain"

    def stack_name(self, kind: str) -> str:
        from stacks.naming import stack_name

        return stack_name(self.project_name, self.stage, kind)


# Every stage starts from BASE; a stage's dict overrides it. Units are in the names.
BASE: dict[str, Any] = {
    "account": None,  # None: account-agnostic, resolved at deploy time (synth needs no credentials)
    "region": DEFAULT_REGION,
    "memory_mb": 512,
    "timeout_seconds": 10,
    "architecture": "arm64",  # Graviton: ~20 % cheaper per GB-second than x86_64
    "provisioned_concurrency": 0,
    "log_retention_days": 7,
    "removal_policy": "destroy",
    "log_level": "INFO",
    "config_ttl_seconds": 300,
}
STAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    "dev": {},
    "prod": {
        "memory_mb": 1024,
        "provisioned_concurrency": 2,
        "log_retention_days": 90,
        "removal_policy": "retain",
    },
}


def _field_types() -> dict[str, type]:
    types = {"str": str, "int": int, "str | None": str}
    return {f.name: types[str(f.type)] for f in fields(StageConfig)}


def _coerce(stage: str, name: str, value: Any) -> Any:
    """`-c` values arrive as strings: turn them into the field's type, or say which field is wrong."""
    kind = _field_types()[name]
    if value is None or kind is str:
        return value
    if isinstance(value, bool) or (isinstance(value, str) and not re.fullmatch(r"-?\d+", value.strip())):
        raise ConfigError(f"stage {stage!r}: {name}={value!r} is not an integer")
    if isinstance(value, float) and not value.is_integer():
        raise ConfigError(f"stage {stage!r}: {name}={value!r} is not an integer")
    return int(value)


def _check_range(stage: str, name: str, value: int, bounds: tuple[int, int], unit: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise ConfigError(f"stage {stage!r}: {name}={value} is out of range: allowed {low}–{high} {unit}")


def _check_choice(stage: str, name: str, value: Any, allowed: tuple[Any, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"stage {stage!r}: {name}={value!r} is not allowed: choose one of "
                          f"{', '.join(map(str, allowed))}")


def validate(cfg: StageConfig) -> StageConfig:
    s = cfg.stage
    if not _PROJECT_NAME.fullmatch(cfg.project_name):
        raise ConfigError(f"project_name={cfg.project_name!r} is not allowed: 3–32 characters, lowercase "
                          "letters, digits and '-', starting with a letter (it prefixes every stack name)")
    if cfg.account is not None and not _ACCOUNT.fullmatch(cfg.account):
        raise ConfigError(f"stage {s!r}: account={cfg.account!r} is not allowed: 12 digits, or unset")
    if not _REGION.fullmatch(cfg.region):
        raise ConfigError(f"stage {s!r}: region={cfg.region!r} is not a region name like 'ap-northeast-1'")
    _check_range(s, "memory_mb", cfg.memory_mb, MEMORY_MB_RANGE, "MB")
    _check_range(s, "timeout_seconds", cfg.timeout_seconds, TIMEOUT_SECONDS_RANGE,
                 "seconds (an HTTP API gives up after 29 s)")
    _check_choice(s, "architecture", cfg.architecture, ARCHITECTURES)
    if cfg.provisioned_concurrency < 0:
        raise ConfigError(f"stage {s!r}: provisioned_concurrency={cfg.provisioned_concurrency} is out of "
                          "range: allowed 0 (none) or more")
    _check_choice(s, "log_retention_days", cfg.log_retention_days, LOG_RETENTION_DAYS)
    _check_choice(s, "removal_policy", cfg.removal_policy, REMOVAL_POLICIES)
    _check_choice(s, "log_level", cfg.log_level, LOG_LEVELS)
    _check_range(s, "config_ttl_seconds", cfg.config_ttl_seconds, CONFIG_TTL_SECONDS_RANGE, "seconds")
    return cfg


def build_stage_config(
    stage: str,
    *,
    project_name: str = DEFAULT_PROJECT_NAME,
    overrides: Mapping[str, Any] | None = None,
) -> StageConfig:
    """Defaults for ``stage`` + ``overrides``, validated."""
    if stage not in STAGE_DEFAULTS:
        raise ConfigError(f"stage={stage!r} is unknown: choose one of {', '.join(STAGE_DEFAULTS)}")
    values: dict[str, Any] = {**BASE, **STAGE_DEFAULTS[stage]}
    known = set(_field_types()) - {"project_name", "stage"}
    for name, value in (overrides or {}).items():
        if name not in known:
            raise ConfigError(f"stage {stage!r}: unknown setting {name!r}; known settings: "
                              f"{', '.join(sorted(known))}")
        values[name] = _coerce(stage, name, value)
    return validate(StageConfig(project_name=project_name, stage=stage, **values))


def stage_configs_from_context(get: Callable[[str], Any]) -> list[StageConfig]:
    """Read the stage selection and overrides from CDK context (cdk.json + ``-c``); ``get`` looks up one key.

    - ``stage``: ``dev`` (default), ``prod`` or a comma-separated list (``make synth`` uses ``dev,prod``);
    - ``project_name``: renames every stack (default ``lambda-deep-dive``);
    - ``stages``: in cdk.json, ``{"prod": {"memory_mb": 2048}}``;
    - ``<stage>.<setting>``: on the command line, ``-c prod.memory_mb=2048``.
    """
    project = str(get("project_name") or DEFAULT_PROJECT_NAME)
    names = [n.strip() for n in str(get("stage") or DEFAULT_STAGE).split(",") if n.strip()]
    file_overrides = get("stages") or {}
    if not isinstance(file_overrides, Mapping):
        raise ConfigError(f"context 'stages' must be an object of stage -> settings, got {file_overrides!r}")
    configs = []
    for name in dict.fromkeys(names):  # keep order, drop repeats
        overrides = dict(file_overrides.get(name) or {})
        for setting in _field_types():
            value = get(f"{name}.{setting}")
            if value is not None:
                overrides[setting] = value
        configs.append(build_stage_config(name, project_name=project, overrides=overrides))
    return configs


def replace(cfg: StageConfig, **changes: Any) -> StageConfig:
    """A validated copy with some settings changed (for tests and forks)."""
    return validate(dataclasses.replace(cfg, **changes))
