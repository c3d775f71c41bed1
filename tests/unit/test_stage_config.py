"""Stage settings: defaults, overrides from cdk.json / `-c`, and a clear refusal of every bad value."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.naming import DEFAULT_PROJECT_NAME
from stacks.project import read_project
from stacks.stage_config import build_stage_config, setting_types
from stacks.stage_rules import ConfigError


def test_defaults_per_stage() -> None:
    dev, prod = build_stage_config("dev"), build_stage_config("prod")
    assert (dev.region, dev.architecture, dev.provisioned_concurrency, dev.removal_policy) == (
        "ap-northeast-1",
        "arm64",
        0,
        "destroy",
    )
    assert (prod.provisioned_concurrency, prod.removal_policy, prod.log_retention_days) == (2, "retain", 90)
    assert dev.account is None  # synth needs no credentials
    assert dev.stack_name("service") == f"{DEFAULT_PROJECT_NAME}-dev-service"


def test_context_selects_stages_and_applies_overrides() -> None:
    context: dict[str, Any] = {
        "stage": "dev, prod,dev",
        "project_name": "shop-api",
        "stages": {"prod": {"memory_mb": 2048}},
        "prod.timeout_seconds": "20",  # -c values are strings
        "dev.architecture": "x86_64",
    }
    dev, prod = read_project(context).selected_configs
    assert (dev.stage, dev.architecture, dev.memory_mb) == ("dev", "x86_64", 512)
    assert (prod.memory_mb, prod.timeout_seconds) == (2048, 20)
    assert prod.stack_name("data") == "shop-api-prod-data"


def test_prod_defaults_use_provisioned_concurrency_with_autoscaling_and_canary() -> None:
    prod = build_stage_config("prod")
    assert (prod.cold_start_strategy, prod.pc_max, prod.pc_business_hours_min) == ("provisioned", 10, 4)
    assert prod.deployment == "canary_10_percent_5_minutes"
    assert build_stage_config("dev").deployment == "all_at_once"


def test_snapstart_stage_is_accepted_without_provisioned_concurrency() -> None:
    cfg = build_stage_config("dev", overrides={"cold_start_strategy": "snapstart"})
    assert (cfg.cold_start_strategy, cfg.provisioned_concurrency) == ("snapstart", 0)


def test_default_stage_is_dev() -> None:
    assert [c.stage for c in read_project({}).selected_configs] == ["dev"]


INVALID = [
    ({"stage": "qa"}, "stage='qa' is unknown: choose one of dev, prod, or add it in cdk.json"),
    ({"project_name": "Bad_Name"}, "project_name='Bad_Name' is not allowed"),
    ({"dev.memory_mb": "127"}, "memory_mb=127 is out of range: allowed 128–10240 MB"),
    ({"dev.memory_mb": "10241"}, "memory_mb=10241 is out of range: allowed 128–10240 MB"),
    ({"dev.memory_mb": "lots"}, "memory_mb='lots' is not an integer"),
    ({"stages": {"dev": {"memory_mb": None}}}, "memory_mb=None is not an integer: this setting cannot be unset"),
    ({"stages": {"dev": {"region": 5}}}, "region=5 is not a string"),
    ({"dev.timeout_seconds": "30"}, "timeout_seconds=30 is out of range: allowed 1–29 seconds"),
    ({"dev.timeout_seconds": "0"}, "timeout_seconds=0 is out of range: allowed 1–29 seconds"),
    ({"dev.provisioned_concurrency": "-1"}, "provisioned_concurrency=-1 is out of range: allowed 0"),
    ({"dev.architecture": "arm"}, "architecture='arm' is not allowed: choose one of arm64, x86_64"),
    ({"dev.log_retention_days": "10"}, "log_retention_days=10 is not allowed: choose one of 1, 3, 5, 7"),
    ({"dev.removal_policy": "snapshot"}, "removal_policy='snapshot' is not allowed: choose one of destroy, retain"),
    ({"dev.log_level": "TRACE"}, "log_level='TRACE' is not allowed"),
    ({"dev.config_ttl_seconds": "86400"}, "config_ttl_seconds=86400 is out of range: allowed 0–3600"),
    ({"dev.account": "12345"}, "account='12345' is not allowed: 12 digits"),
    ({"dev.region": "tokyo"}, "region='tokyo' is not a region name"),
    ({"stages": {"dev": {"memory": 512}}}, "stage 'dev': unknown setting 'memory': did you mean 'memory_mb'?"),
    # Cold-start strategy and provisioned concurrency (production hardening).
    (
        {"dev.cold_start_strategy": "warm-pings"},
        "cold_start_strategy='warm-pings' is not allowed: choose one of none, provisioned, snapstart",
    ),
    (
        {"stages": {"dev": {"cold_start_strategy": "snapstart", "provisioned_concurrency": 2}}},
        "provisioned_concurrency=2, pc_max=0 is not allowed with cold_start_strategy='snapstart'",
    ),
    (
        {"stages": {"dev": {"provisioned_concurrency": 2}}},
        "provisioned_concurrency=2, pc_max=0 needs cold_start_strategy='provisioned' (it is 'none')",
    ),
    (
        {"prod.provisioned_concurrency": "0"},
        "provisioned_concurrency=0 is out of range for cold_start_strategy='provisioned': allowed 1 or more",
    ),
    (
        {"prod.pc_max": "1"},
        "pc_max=1 is out of range: allowed 0 (no autoscaling) or provisioned_concurrency=2 and more",
    ),
    (
        {"prod.pc_business_hours_min": "11"},
        "pc_business_hours_min=11 is out of range: allowed 0 (no schedule) or provisioned_concurrency=2..pc_max=10",
    ),
    ({"stages": {"prod": {"pc_max": 0, "pc_business_hours_min": 4}}}, "pc_business_hours_min=4 is out of range"),
    ({"prod.pc_target_utilization_percent": "95"}, "pc_target_utilization_percent=95 is out of range: allowed 10–90"),
    ({"prod.business_hours_end_hour": "8"}, "business_hours_end_hour=8 must be after business_hours_start_hour=9"),
    ({"prod.business_hours_start_hour": "24"}, "business_hours_start_hour=24 is out of range: allowed 0–23"),
    ({"prod.schedule_timezone": "Tokyo"}, "schedule_timezone='Tokyo' is not an IANA time zone"),
    (
        {"prod.deployment": "blue_green"},
        "deployment='blue_green' is not allowed: choose one of all_at_once, canary_10_percent_5_minutes",
    ),
    ({"prod.alarm_email": "ops"}, "alarm_email='ops' is not an e-mail address"),
    (
        {"prod.duration_alarm_percent_of_timeout": "120"},
        "duration_alarm_percent_of_timeout=120 is out of range: allowed 10–100 percent",
    ),
    ({"prod.api_throttle_rate_limit": "0"}, "api_throttle_rate_limit=0 is out of range: allowed 1–10000"),
    ({"prod.api_throttle_burst_limit": "9999"}, "api_throttle_burst_limit=9999 is out of range: allowed 1–5000"),
    ({"stages": {"dev": {"memory_mb": True}}}, "memory_mb=True is not an integer"),
]


@pytest.mark.parametrize(
    ("context", "message"), INVALID, ids=[f"{i:02d}-{m.split('=')[0].split()[-1]}" for i, (_, m) in enumerate(INVALID)]
)
def test_invalid_setting_is_rejected_naming_field_value_and_range(context: dict[str, Any], message: str) -> None:
    context = {"stage": "dev,prod", **context}
    with pytest.raises(ConfigError) as error:
        read_project(context)
    assert message in str(error.value)


def test_a_stage_neither_built_in_nor_extending_one_is_refused_naming_the_built_in_ones() -> None:
    with pytest.raises(ConfigError) as refused:
        build_stage_config("staging")
    assert str(refused.value) == "stage='staging' is unknown: choose one of dev, prod"


def test_an_added_stage_starts_from_every_setting_of_the_stage_it_extends() -> None:
    prod = build_stage_config("prod", overrides={"memory_mb": 1536})
    staging = build_stage_config("staging", base=prod)
    assert staging.stage == "staging"
    assert {name: getattr(staging, name) for name in setting_types()} == {
        name: getattr(prod, name) for name in setting_types()
    }
    assert staging.memory_mb == 1536  # the base's own value, not the built-in default
