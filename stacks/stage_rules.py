"""What each stage setting may be, and the checks that say so (``validate``): every bound and choice, and the
rules between settings (cold-start strategy, access control, blast radius). A failed check raises ``ConfigError``
naming the stage, the field, the value and what is allowed, before a single construct is built.

Pure Python (no aws_cdk import), like ``stacks/stage_config.py``, whose ``StageConfig`` it checks.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stacks.managed_instances_rules import STRATEGY as MANAGED_INSTANCES
from stacks.managed_instances_rules import check_managed_instances
from stacks.stage_errors import ConfigError as ConfigError  # re-exported: where every caller imports it from
from stacks.stage_errors import check_choice, check_range
from stacks.tracing_backends import TRACING_BACKENDS

if TYPE_CHECKING:
    from stacks.stage_config import StageConfig

ALL_STAGES = "all"  # `-c stage=all`: every stage, built-in and added; so no stage may be named so
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
COLD_START_STRATEGIES = ("none", "provisioned", "snapstart", MANAGED_INSTANCES)
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
    if cfg.cold_start_strategy != MANAGED_INSTANCES:  # its own range, in whole vCPUs (managed_instances_rules)
        check_range(s, "memory_mb", cfg.memory_mb, MEMORY_MB_RANGE, "MB")
    check_range(
        s, "timeout_seconds", cfg.timeout_seconds, TIMEOUT_SECONDS_RANGE, "seconds (an HTTP API gives up after 29 s)"
    )
    check_choice(s, "architecture", cfg.architecture, ARCHITECTURES)
    check_choice(s, "log_retention_days", cfg.log_retention_days, LOG_RETENTION_DAYS)
    check_choice(s, "removal_policy", cfg.removal_policy, REMOVAL_POLICIES)
    check_choice(s, "log_level", cfg.log_level, LOG_LEVELS)
    check_range(s, "config_ttl_seconds", cfg.config_ttl_seconds, CONFIG_TTL_SECONDS_RANGE, "seconds")
    _check_cold_start(cfg)
    check_managed_instances(cfg)
    check_range(s, "business_hours_start_hour", cfg.business_hours_start_hour, HOUR_RANGE, "(hour of day)")
    check_range(s, "business_hours_end_hour", cfg.business_hours_end_hour, HOUR_RANGE, "(hour of day)")
    if cfg.business_hours_end_hour <= cfg.business_hours_start_hour:
        raise ConfigError(
            f"stage {s!r}: business_hours_end_hour={cfg.business_hours_end_hour} must be after "
            f"business_hours_start_hour={cfg.business_hours_start_hour}"
        )
    if not _is_timezone(cfg.schedule_timezone):
        raise ConfigError(
            f"stage {s!r}: schedule_timezone={cfg.schedule_timezone!r} is not an IANA time zone like 'Asia/Tokyo'"
        )
    check_choice(s, "deployment", cfg.deployment, DEPLOYMENTS)
    if cfg.alarm_email is not None and not _EMAIL.fullmatch(cfg.alarm_email):
        raise ConfigError(f"stage {s!r}: alarm_email={cfg.alarm_email!r} is not an e-mail address (or unset)")
    check_range(
        s,
        "duration_alarm_percent_of_timeout",
        cfg.duration_alarm_percent_of_timeout,
        DURATION_ALARM_PERCENT_RANGE,
        "percent",
    )
    check_range(
        s, "api_throttle_rate_limit", cfg.api_throttle_rate_limit, API_THROTTLE_RATE_RANGE, "requests per second"
    )
    check_range(s, "api_throttle_burst_limit", cfg.api_throttle_burst_limit, API_THROTTLE_BURST_RANGE, "requests")
    check_choice(s, "tracing", cfg.tracing, TRACING_BACKENDS)
    _check_access_and_blast_radius(cfg)
    return cfg


# --- access control and blast radius (issue 10) -------------------------------------------------------------------
def _check_access_and_blast_radius(cfg: StageConfig) -> None:
    s = cfg.stage
    check_choice(s, "api_authorization", cfg.api_authorization, API_AUTHORIZATIONS)
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
        check_range(
            s, "order_retention_days", cfg.order_retention_days, ORDER_RETENTION_DAYS_RANGE, "days (or unset: keep)"
        )
    reserved = cfg.reserved_concurrency
    if reserved is not None:
        check_range(
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
    check_choice(s, "cold_start_strategy", strategy, COLD_START_STRATEGIES)
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
    check_range(
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
