"""Stage settings: defaults, overrides from cdk.json / `-c`, and a clear refusal of every bad value."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.config import ConfigError, build_stage_config, stage_configs_from_context


def test_defaults_per_stage() -> None:
    dev, prod = build_stage_config("dev"), build_stage_config("prod")
    assert (dev.region, dev.architecture, dev.provisioned_concurrency, dev.removal_policy) == (
        "ap-northeast-1", "arm64", 0, "destroy")
    assert (prod.provisioned_concurrency, prod.removal_policy, prod.log_retention_days) == (2, "retain", 90)
    assert dev.account is None  # synth needs no credentials
    assert dev.stack_name("service") == "lambda-deep-dive-dev-service"


def test_context_selects_stages_and_applies_overrides() -> None:
    context: dict[str, Any] = {
        "stage": "dev, prod,dev",
        "project_name": "shop-api",
        "stages": {"prod": {"memory_mb": 2048}},
        "prod.timeout_seconds": "20",  # -c values are strings
        "dev.architecture": "x86_64",
    }
    dev, prod = stage_configs_from_context(context.get)
    assert (dev.stage, dev.architecture, dev.memory_mb) == ("dev", "x86_64", 512)
    assert (prod.memory_mb, prod.timeout_seconds) == (2048, 20)
    assert prod.stack_name("data") == "shop-api-prod-data"


def test_default_stage_is_dev() -> None:
    assert [c.stage for c in stage_configs_from_context({}.get)] == ["dev"]


INVALID = [
    ({"stage": "qa"}, "stage='qa' is unknown: choose one of dev, prod"),
    ({"project_name": "Bad_Name"}, "project_name='Bad_Name' is not allowed"),
    ({"dev.memory_mb": "127"}, "memory_mb=127 is out of range: allowed 128–10240 MB"),
    ({"dev.memory_mb": "10241"}, "memory_mb=10241 is out of range: allowed 128–10240 MB"),
    ({"dev.memory_mb": "lots"}, "memory_mb='lots' is not an integer"),
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
    ({"stages": {"dev": {"memory": 512}}}, "unknown setting 'memory'"),
    ({"stages": {"dev": {"memory_mb": True}}}, "memory_mb=True is not an integer"),
]


@pytest.mark.parametrize(("context", "message"), INVALID, ids=[m.split("=")[0].split()[-1] for _, m in INVALID])
def test_invalid_setting_is_rejected_naming_field_value_and_range(context: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        stage_configs_from_context(context.get)
    assert message in str(error.value)
