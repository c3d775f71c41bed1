"""Stage settings: one typed, validated object per stage (what a stage deploys; not ``config/config.json``, the
runtime's business config in S3, nor ``lambda_src/orders/limits.py``, which reads it).

Defaults for ``dev`` and ``prod`` live here; ``stacks/project.py`` reads ``cdk.json`` (context ``stages``,
which can also add stages) and ``-c`` flags over them. Everything is validated before a single construct
is built, so a bad value fails ``cdk synth`` with a message that names the stage, the field, the value and
what is allowed. A field's annotation says how its value is read (``stacks/typed_values.py``): adding a
setting is its field, its default in ``BASE`` and its check in ``validate``.

Pure Python (no aws_cdk import) so the tools and unit tests can import it cheaply.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stacks import typed_values
from stacks.naming import DEFAULT_PROJECT_NAME, stack_name
from stacks.tracing_backends import DEFAULT_TRACING, TRACING_BACKENDS

DEFAULT_STAGE = "dev"
ALL_STAGES = "all"  # `-c stage=all`: every stage, built-in and added
DEFAULT_REGION = "ap-northeast-1"
ARCHITECTURES = ("arm64", "x86_64")
REMOVAL_POLICIES = ("destroy", "retain")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# The values CloudWatch Logs accepts for a log group's retention (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
MEMORY_MB_RANGE = (128, 10240)
# API Gateway's integration timeout is 29 s: a longer function timeout only lets the function run on
# after the client already got a 504.
TIMEOUT_SECONDS_RANGE = (1, 29)
CONFIG_TTL_SECONDS_RANGE = (0, 3600)
COLD_START_STRATEGIES = ("none", "provisioned", "snapstart")
PC_TARGET_UTILIZATION_PERCENT_RANGE = (10, 90)
HOUR_RANGE = (0, 23)
DURATION_ALARM_PERCENT_RANGE = (10, 100)
API_THROTTLE_RATE_RANGE = (1, 10000)
API_THROTTLE_BURST_RANGE = (1, 5000)
# CodeDeploy's predefined Lambda configurations (stacks/constructs/safe_deployment.py maps them).
DEPLOYMENTS = (
    "all_at_once",
    "canary_10_percent_5_minutes",
    "canary_10_percent_30_minutes",
    "linear_10_percent_every_1_minute",
    "linear_10_percent_every_10_minutes",
)

# --- access control and blast radius (issue 10) -----------------------------------------------------------------
API_AUTHORIZATIONS = ("none", "iam", "jwt")
# A function's reserved concurrency can't exceed the account's concurrency limit: 1,000 by default per region.
RESERVED_CONCURRENCY_RANGE = (1, 1000)
# DynamoDB TTL deletes an order this many days after it was written; ten years is far beyond any order's life.
ORDER_RETENTION_DAYS_RANGE = (1, 3653)
_HTTPS_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s]*)?$")
# An origin as browsers send it: scheme, host and optional port; no path, no trailing slash. Plain http only for a
# local front end.
_ORIGIN = re.compile(r"^(https://[A-Za-z0-9.-]+|http://(localhost|127\.0\.0\.1))(:\d{1,5})?$")
# -----------------------------------------------------------------------------------------------------------------

_PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9]{1,11}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
    # Cold starts: "none" (on demand), "provisioned" (PC on the alias) or "snapstart".
    cold_start_strategy: str
    pc_max: int  # 0: fixed PC; otherwise target tracking between provisioned_concurrency and pc_max
    pc_target_utilization_percent: int
    pc_business_hours_min: int  # 0: no schedule; otherwise the PC floor during business hours
    business_hours_start_hour: int
    business_hours_end_hour: int
    schedule_timezone: str
    deployment: str  # CodeDeploy traffic shifting on the alias
    # false: CodeDeploy rolls back on the new version's alarms and its hook only, not the alias's or the API's (a
    # one-off, to deploy a fix while the broken version keeps those in ALARM; README "Canary deploys")
    rollback_on_alias_alarms: bool
    alarm_email: str | None
    duration_alarm_percent_of_timeout: int
    api_throttle_rate_limit: int  # requests per second, HTTP API default stage
    api_throttle_burst_limit: int
    tracing: str  # one of TRACING_BACKENDS: which packages the dependencies layer ships, or none
    # --- access control and blast radius (issue 10) ---
    api_authorization: str  # "none" | "iam" (SigV4) | "jwt"
    jwt_issuer: str | None  # with api_authorization="jwt": the token issuer (https URL)
    jwt_audience: tuple[str, ...]  # with api_authorization="jwt": accepted audiences (aud / client_id)
    cors_allowed_origins: tuple[str, ...]  # () : no CORS configuration (browsers on other origins are refused)
    order_retention_days: int | None  # None: orders never expire; else a DynamoDB TTL this many days after writing
    reserved_concurrency: int | None  # None: the account's unreserved pool; else the function's ceiling

    @property
    def is_retained(self) -> bool:
        return self.removal_policy == "retain"

    def stack_name(self, kind: str) -> str:
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
    "cold_start_strategy": "none",
    "pc_max": 0,
    "pc_target_utilization_percent": 70,
    "pc_business_hours_min": 0,
    "business_hours_start_hour": 9,
    "business_hours_end_hour": 18,
    "schedule_timezone": "Asia/Tokyo",
    "deployment": "all_at_once",
    "rollback_on_alias_alarms": True,
    "alarm_email": None,
    "duration_alarm_percent_of_timeout": 80,
    "api_throttle_rate_limit": 50,
    "api_throttle_burst_limit": 100,
    "tracing": DEFAULT_TRACING,
    # --- access control and blast radius (issue 10) ---
    "api_authorization": "none",
    "jwt_issuer": None,
    "jwt_audience": (),
    "cors_allowed_origins": (),
    "order_retention_days": 7,
    "reserved_concurrency": None,
}
STAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    "dev": {},
    "prod": {
        "memory_mb": 1024,
        "cold_start_strategy": "provisioned",
        "provisioned_concurrency": 2,
        "pc_max": 10,
        "pc_business_hours_min": 4,
        "log_retention_days": 90,
        "removal_policy": "retain",
        "deployment": "canary_10_percent_5_minutes",
        "api_throttle_rate_limit": 500,
        "api_throttle_burst_limit": 1000,
        # --- access control and blast radius (issue 10) ---
        "api_authorization": "iam",
        "order_retention_days": None,
        "reserved_concurrency": 100,
    },
}
# The stages every project has (cdk.json's `stages` can add more): what the tests synthesize and snapshot.
BUILT_IN_STAGES = tuple(STAGE_DEFAULTS)


@functools.cache
def setting_types() -> dict[str, Any]:
    """Every per-stage setting and its annotation, which says how a cdk.json or ``-c`` value is read."""
    hints = get_type_hints(StageConfig)
    return {f.name: hints[f.name] for f in fields(StageConfig) if f.name not in ("project_name", "stage")}


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name a typo most likely meant (difflib), or None."""
    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _unknown_setting(stage: str, name: str) -> ConfigError:
    guess = closest(name, setting_types())
    hint = f"did you mean {guess!r}?" if guess else f"known settings: {', '.join(sorted(setting_types()))}"
    return ConfigError(f"stage {stage!r}: unknown setting {name!r}: {hint}")


def coerce(stage: str, name: str, value: Any) -> Any:
    """A cdk.json (JSON) or ``-c`` (string) value as the setting's type, or an error naming stage and field."""
    try:
        return typed_values.parse(setting_types()[name], value)
    except typed_values.TypedValueError as error:
        raise ConfigError(f"stage {stage!r}: {name}={value!r} {error}") from None


def _check_range(stage: str, name: str, value: int, bounds: tuple[int, int], unit: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise ConfigError(f"stage {stage!r}: {name}={value} is out of range: allowed {low}–{high} {unit}")


def _check_choice(stage: str, name: str, value: Any, allowed: tuple[Any, ...]) -> None:
    if value not in allowed:
        raise ConfigError(
            f"stage {stage!r}: {name}={value!r} is not allowed: choose one of {', '.join(map(str, allowed))}"
        )


def validate(cfg: StageConfig) -> StageConfig:
    s = cfg.stage
    if not _PROJECT_NAME.fullmatch(cfg.project_name):
        raise ConfigError(
            f"project_name={cfg.project_name!r} is not allowed: 3–32 characters, lowercase "
            "letters, digits and '-', starting with a letter (it prefixes every stack name)"
        )
    if cfg.account is not None and not _ACCOUNT.fullmatch(cfg.account):
        raise ConfigError(f"stage {s!r}: account={cfg.account!r} is not allowed: 12 digits, or unset")
    if not _REGION.fullmatch(cfg.region):
        raise ConfigError(f"stage {s!r}: region={cfg.region!r} is not a region name like 'ap-northeast-1'")
    _check_range(s, "memory_mb", cfg.memory_mb, MEMORY_MB_RANGE, "MB")
    _check_range(
        s, "timeout_seconds", cfg.timeout_seconds, TIMEOUT_SECONDS_RANGE, "seconds (an HTTP API gives up after 29 s)"
    )
    _check_choice(s, "architecture", cfg.architecture, ARCHITECTURES)
    _check_choice(s, "log_retention_days", cfg.log_retention_days, LOG_RETENTION_DAYS)
    _check_choice(s, "removal_policy", cfg.removal_policy, REMOVAL_POLICIES)
    _check_choice(s, "log_level", cfg.log_level, LOG_LEVELS)
    _check_range(s, "config_ttl_seconds", cfg.config_ttl_seconds, CONFIG_TTL_SECONDS_RANGE, "seconds")
    _check_cold_start(cfg)
    _check_range(s, "business_hours_start_hour", cfg.business_hours_start_hour, HOUR_RANGE, "(hour of day)")
    _check_range(s, "business_hours_end_hour", cfg.business_hours_end_hour, HOUR_RANGE, "(hour of day)")
    if cfg.business_hours_end_hour <= cfg.business_hours_start_hour:
        raise ConfigError(
            f"stage {s!r}: business_hours_end_hour={cfg.business_hours_end_hour} must be after "
            f"business_hours_start_hour={cfg.business_hours_start_hour}"
        )
    if not _is_timezone(cfg.schedule_timezone):
        raise ConfigError(
            f"stage {s!r}: schedule_timezone={cfg.schedule_timezone!r} is not an IANA time zone like 'Asia/Tokyo'"
        )
    _check_choice(s, "deployment", cfg.deployment, DEPLOYMENTS)
    if cfg.alarm_email is not None and not _EMAIL.fullmatch(cfg.alarm_email):
        raise ConfigError(f"stage {s!r}: alarm_email={cfg.alarm_email!r} is not an e-mail address (or unset)")
    _check_range(
        s,
        "duration_alarm_percent_of_timeout",
        cfg.duration_alarm_percent_of_timeout,
        DURATION_ALARM_PERCENT_RANGE,
        "percent",
    )
    _check_range(
        s, "api_throttle_rate_limit", cfg.api_throttle_rate_limit, API_THROTTLE_RATE_RANGE, "requests per second"
    )
    _check_range(s, "api_throttle_burst_limit", cfg.api_throttle_burst_limit, API_THROTTLE_BURST_RANGE, "requests")
    _check_choice(s, "tracing", cfg.tracing, TRACING_BACKENDS)
    _check_access_and_blast_radius(cfg)
    return cfg


# --- access control and blast radius (issue 10) -------------------------------------------------------------------
def _check_access_and_blast_radius(cfg: StageConfig) -> None:
    s = cfg.stage
    _check_choice(s, "api_authorization", cfg.api_authorization, API_AUTHORIZATIONS)
    if cfg.api_authorization == "jwt":
        if cfg.jwt_issuer is None or not _HTTPS_URL.fullmatch(cfg.jwt_issuer):
            raise ConfigError(
                f"stage {s!r}: jwt_issuer={cfg.jwt_issuer!r} is not allowed with api_authorization='jwt': "
                "an https URL of the token issuer, e.g. 'https://cognito-idp.<region>.amazonaws.com/<pool-id>'"
            )
        if not cfg.jwt_audience:
            raise ConfigError(
                f"stage {s!r}: jwt_audience={list(cfg.jwt_audience)!r} is not allowed with api_authorization='jwt': "
                "one or more non-empty audiences (the token's aud or client_id)"
            )
    elif cfg.jwt_issuer is not None or cfg.jwt_audience:
        raise ConfigError(
            f"stage {s!r}: jwt_issuer={cfg.jwt_issuer!r}, jwt_audience={list(cfg.jwt_audience)!r} need "
            f"api_authorization='jwt' (it is {cfg.api_authorization!r}); unset them"
        )
    for origin in cfg.cors_allowed_origins:
        if not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                f"stage {s!r}: cors_allowed_origins has {origin!r}, which is not allowed: origins like "
                "'https://app.example.com' or 'http://localhost:3000' (https, or http on localhost; host, optional "
                "port; no path, no '*')"
            )
    if cfg.order_retention_days is not None:
        _check_range(
            s, "order_retention_days", cfg.order_retention_days, ORDER_RETENTION_DAYS_RANGE, "days (or unset: keep)"
        )
    reserved = cfg.reserved_concurrency
    if reserved is not None:
        _check_range(
            s,
            "reserved_concurrency",
            reserved,
            RESERVED_CONCURRENCY_RANGE,
            "concurrent executions (or unset; an account has 1,000 by default)",
        )
        # Provisioned environments count against the function's reserved concurrency: the most the alias can
        # hold (pc_max with autoscaling, else the fixed PC) must fit inside it.
        pc_ceiling = max(cfg.provisioned_concurrency, cfg.pc_max)
        if pc_ceiling > reserved:
            raise ConfigError(
                f"stage {s!r}: reserved_concurrency={reserved} is out of range: allowed at least "
                f"{'pc_max' if cfg.pc_max else 'provisioned_concurrency'}={pc_ceiling} (provisioned "
                "concurrency must fit inside the reserved concurrency), at most 1000"
            )


# -----------------------------------------------------------------------------------------------------------------


def _is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return False
    return True


def _check_cold_start(cfg: StageConfig) -> None:
    """Cold-start strategy and provisioned-concurrency settings that AWS would reject, or that break later."""
    s, pc, strategy = cfg.stage, cfg.provisioned_concurrency, cfg.cold_start_strategy
    _check_choice(s, "cold_start_strategy", strategy, COLD_START_STRATEGIES)
    if pc < 0:
        raise ConfigError(f"stage {s!r}: provisioned_concurrency={pc} is out of range: allowed 0 (none) or more")
    if strategy == "provisioned" and pc < 1:
        # Also the guard for aws/aws-cdk#29992: PC never drops to 0, not even off-hours.
        raise ConfigError(
            f"stage {s!r}: provisioned_concurrency={pc} is out of range for "
            "cold_start_strategy='provisioned': allowed 1 or more"
        )
    if strategy == "snapstart" and (pc or cfg.pc_max):
        raise ConfigError(
            f"stage {s!r}: provisioned_concurrency={pc}, pc_max={cfg.pc_max} is not allowed with "
            "cold_start_strategy='snapstart': AWS rejects provisioned concurrency on a SnapStart "
            "version (use 0)"
        )
    if strategy == "none" and (pc or cfg.pc_max):
        raise ConfigError(
            f"stage {s!r}: provisioned_concurrency={pc}, pc_max={cfg.pc_max} needs "
            "cold_start_strategy='provisioned' (it is 'none')"
        )
    if cfg.pc_max and cfg.pc_max < pc:
        raise ConfigError(
            f"stage {s!r}: pc_max={cfg.pc_max} is out of range: allowed 0 (no autoscaling) or "
            f"provisioned_concurrency={pc} and more"
        )
    _check_range(
        s,
        "pc_target_utilization_percent",
        cfg.pc_target_utilization_percent,
        PC_TARGET_UTILIZATION_PERCENT_RANGE,
        "percent",
    )
    business = cfg.pc_business_hours_min
    if business and not (cfg.pc_max and pc <= business <= cfg.pc_max):
        raise ConfigError(
            f"stage {s!r}: pc_business_hours_min={business} is out of range: allowed 0 (no "
            f"schedule) or provisioned_concurrency={pc}..pc_max={cfg.pc_max} (needs pc_max > 0)"
        )


def check_stage_name(stage: str) -> None:
    if not _STAGE_NAME.fullmatch(stage) or stage == ALL_STAGES:
        raise ConfigError(
            f"stage name {stage!r} is not allowed: 2–12 lowercase letters and digits, starting with a letter, "
            f"not {ALL_STAGES!r} (no '-': stack names are <project>-<stage>-<kind>, and project 'shop' + stage "
            "'orders-dev' would share them with project 'shop-orders' + stage 'dev')"
        )


def build_stage_config(
    stage: str,
    *,
    project_name: str = DEFAULT_PROJECT_NAME,
    overrides: Mapping[str, Any] | None = None,
    base: StageConfig | None = None,
) -> StageConfig:
    """The settings of ``base`` (the stage an added stage extends) or ``stage``'s built-in defaults, then
    ``overrides``, validated."""
    check_stage_name(stage)
    if base is not None:
        values = {name: getattr(base, name) for name in setting_types()}
    elif stage in STAGE_DEFAULTS:
        values = {**BASE, **STAGE_DEFAULTS[stage]}
    else:
        raise ConfigError(f"stage={stage!r} is unknown: choose one of {', '.join(STAGE_DEFAULTS)}")
    for name, value in (overrides or {}).items():
        if name not in setting_types():
            raise _unknown_setting(stage, name)
        values[name] = coerce(stage, name, value)
    return validate(StageConfig(project_name=project_name, stage=stage, **values))
