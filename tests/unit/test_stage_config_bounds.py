"""Stage settings on and just outside every bound, and numbers as cdk.json and `-c` deliver them.

Through the public entry points only (``build_stage_config``, ``read_project``): these state what a
stage may say, whatever the module looks like inside. Each refusal names the stage, the field, the value and the
allowed range, as synth prints it.
"""

from __future__ import annotations

from typing import Any

import pytest

from stacks.project import read_project
from stacks.stage_config import build_stage_config
from stacks.stage_rules import ConfigError

# (stage, overrides): a stage that is valid apart from the setting under test.
PROVISIONED = {"cold_start_strategy": "provisioned", "provisioned_concurrency": 2, "pc_max": 10}

ON_THE_BOUND: list[tuple[str, dict[str, Any]]] = [
    ("dev", {"memory_mb": 128}),
    ("dev", {"memory_mb": 10240}),
    ("dev", {"timeout_seconds": 1}),
    ("dev", {"timeout_seconds": 29}),
    ("dev", {"config_ttl_seconds": 0}),
    ("dev", {"config_ttl_seconds": 3600}),
    ("dev", {"business_hours_start_hour": 0}),
    ("dev", {"business_hours_end_hour": 23}),
    ("dev", {"business_hours_start_hour": 0, "business_hours_end_hour": 1}),
    ("dev", {"business_hours_start_hour": 22, "business_hours_end_hour": 23}),
    ("dev", {"duration_alarm_percent_of_timeout": 10}),
    ("dev", {"duration_alarm_percent_of_timeout": 100}),
    ("dev", {"api_throttle_rate_limit": 1, "api_throttle_burst_limit": 1}),
    ("dev", {"api_throttle_rate_limit": 10000, "api_throttle_burst_limit": 5000}),
    ("dev", {"pc_target_utilization_percent": 10}),
    ("dev", {"pc_target_utilization_percent": 90}),
    ("dev", {"cold_start_strategy": "provisioned", "provisioned_concurrency": 1}),
    ("prod", {"provisioned_concurrency": 1, "pc_max": 1, "pc_business_hours_min": 1}),
    ("prod", {"provisioned_concurrency": 3, "pc_max": 3, "pc_business_hours_min": 0}),
    ("prod", {**PROVISIONED, "pc_business_hours_min": 2}),  # the floor of the range
    ("prod", {**PROVISIONED, "pc_business_hours_min": 10}),  # its ceiling
    ("dev", {"log_retention_days": 1}),
    ("dev", {"log_retention_days": 3653}),
]


def case_id(stage: str, overrides: dict[str, Any]) -> str:
    """ASCII ids: mutmut hands node ids back to pytest, which cannot select one with escaped characters."""
    return f"{stage}-" + "-".join(f"{name}={value}" for name, value in overrides.items())


@pytest.mark.parametrize(("stage", "overrides"), ON_THE_BOUND, ids=[case_id(*case) for case in ON_THE_BOUND])
def test_a_value_on_the_bound_is_accepted_as_given(stage: str, overrides: dict[str, Any]) -> None:
    cfg = build_stage_config(stage, overrides=overrides)
    assert {name: getattr(cfg, name) for name in overrides} == overrides


JUST_OUTSIDE: list[tuple[str, dict[str, Any], str]] = [
    ("dev", {"memory_mb": 127}, "memory_mb=127 is out of range: allowed 128–10240 MB"),
    ("dev", {"memory_mb": 10241}, "memory_mb=10241 is out of range: allowed 128–10240 MB"),
    (
        "dev",
        {"timeout_seconds": 0},
        "timeout_seconds=0 is out of range: allowed 1–29 seconds (an HTTP API gives up after 29 s)",
    ),
    (
        "dev",
        {"timeout_seconds": 30},
        "timeout_seconds=30 is out of range: allowed 1–29 seconds (an HTTP API gives up after 29 s)",
    ),
    ("dev", {"config_ttl_seconds": -1}, "config_ttl_seconds=-1 is out of range: allowed 0–3600 seconds"),
    ("dev", {"config_ttl_seconds": 3601}, "config_ttl_seconds=3601 is out of range: allowed 0–3600 seconds"),
    (
        "dev",
        {"business_hours_start_hour": -1},
        "business_hours_start_hour=-1 is out of range: allowed 0–23 (hour of day)",
    ),
    ("dev", {"business_hours_end_hour": 24}, "business_hours_end_hour=24 is out of range: allowed 0–23 (hour of day)"),
    (
        "dev",
        {"business_hours_start_hour": 9, "business_hours_end_hour": 9},
        "business_hours_end_hour=9 must be after business_hours_start_hour=9",
    ),
    (
        "dev",
        {"duration_alarm_percent_of_timeout": 9},
        "duration_alarm_percent_of_timeout=9 is out of range: allowed 10–100 percent",
    ),
    (
        "dev",
        {"duration_alarm_percent_of_timeout": 101},
        "duration_alarm_percent_of_timeout=101 is out of range: allowed 10–100 percent",
    ),
    (
        "dev",
        {"api_throttle_rate_limit": 0},
        "api_throttle_rate_limit=0 is out of range: allowed 1–10000 requests per second",
    ),
    (
        "dev",
        {"api_throttle_rate_limit": 10001},
        "api_throttle_rate_limit=10001 is out of range: allowed 1–10000 requests per second",
    ),
    ("dev", {"api_throttle_burst_limit": 0}, "api_throttle_burst_limit=0 is out of range: allowed 1–5000 requests"),
    (
        "dev",
        {"api_throttle_burst_limit": 5001},
        "api_throttle_burst_limit=5001 is out of range: allowed 1–5000 requests",
    ),
    (
        "dev",
        {"pc_target_utilization_percent": 9},
        "pc_target_utilization_percent=9 is out of range: allowed 10–90 percent",
    ),
    (
        "dev",
        {"pc_target_utilization_percent": 91},
        "pc_target_utilization_percent=91 is out of range: allowed 10–90 percent",
    ),
    (
        "dev",
        {"cold_start_strategy": "provisioned", "provisioned_concurrency": 0},
        "provisioned_concurrency=0 is out of range for cold_start_strategy='provisioned': allowed 1 or more",
    ),
    (
        "prod",
        {"provisioned_concurrency": 3, "pc_max": 2, "pc_business_hours_min": 0},
        "pc_max=2 is out of range: allowed 0 (no autoscaling) or provisioned_concurrency=3 and more",
    ),
    (
        "prod",
        {**PROVISIONED, "pc_business_hours_min": 1},
        "pc_business_hours_min=1 is out of range: allowed 0 (no schedule) or provisioned_concurrency=2..pc_max=10 "
        "(needs pc_max > 0)",
    ),
    (
        "prod",
        {**PROVISIONED, "pc_business_hours_min": 11},
        "pc_business_hours_min=11 is out of range: allowed 0 (no schedule) or provisioned_concurrency=2..pc_max=10 "
        "(needs pc_max > 0)",
    ),
    (
        "prod",
        {"provisioned_concurrency": 2, "pc_max": 0, "pc_business_hours_min": 2},
        "pc_business_hours_min=2 is out of range: allowed 0 (no schedule) or provisioned_concurrency=2..pc_max=0 "
        "(needs pc_max > 0)",
    ),
    ("dev", {"provisioned_concurrency": -1}, "provisioned_concurrency=-1 is out of range: allowed 0 (none) or more"),
    (
        "dev",
        {"cold_start_strategy": "snapstart", "pc_max": 2},
        "provisioned_concurrency=0, pc_max=2 is not allowed with cold_start_strategy='snapstart': AWS rejects "
        "provisioned concurrency on a SnapStart version (use 0)",
    ),
    (
        "dev",
        {"pc_max": 2},
        "provisioned_concurrency=0, pc_max=2 needs cold_start_strategy='provisioned' (it is 'none')",
    ),
]


@pytest.mark.parametrize(("stage", "overrides", "message"), JUST_OUTSIDE, ids=[case_id(*c[:2]) for c in JUST_OUTSIDE])
def test_a_value_just_outside_is_refused_naming_stage_field_and_range(
    stage: str, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        build_stage_config(stage, overrides=overrides)
    assert str(error.value) == f"stage {stage!r}: {message}"


def from_cdk_json(**settings: Any) -> Any:
    """The dev stage as `cdk synth` reads it from cdk.json's `stages` (JSON numbers may arrive as floats)."""
    (cfg,) = read_project({"stage": "dev", "stages": {"dev": settings}}).selected_configs
    return cfg


def test_whole_floats_from_cdk_json_are_accepted_as_integers() -> None:
    cfg = from_cdk_json(memory_mb=512.0, timeout_seconds=29.0, config_ttl_seconds=0.0)
    assert (cfg.memory_mb, cfg.timeout_seconds, cfg.config_ttl_seconds) == (512, 29, 0)
    assert all(type(v) is int for v in (cfg.memory_mb, cfg.timeout_seconds, cfg.config_ttl_seconds))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"memory_mb": 2.5}, "stage 'dev': memory_mb=2.5 is not an integer"),
        ({"timeout_seconds": 10.5}, "stage 'dev': timeout_seconds=10.5 is not an integer"),
        ({"memory_mb": "512.0"}, "stage 'dev': memory_mb='512.0' is not an integer"),  # a -c string stays strict
        ({"memory_mb": False}, "stage 'dev': memory_mb=False is not an integer"),
    ],
    ids=["fraction", "fraction-of-a-second", "string-with-a-point", "boolean"],
)
def test_fractions_strings_with_a_point_and_booleans_are_not_integers(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        from_cdk_json(**settings)
    assert str(error.value) == message


def test_command_line_strings_are_read_as_integers_spaces_and_sign_included() -> None:
    (cfg,) = read_project({"stage": "dev", "dev.memory_mb": " 1024 "}).selected_configs
    assert cfg.memory_mb == 1024
    with pytest.raises(ConfigError, match="config_ttl_seconds=-5 is out of range"):
        read_project({"stage": "dev", "dev.config_ttl_seconds": "-5"})


def test_unset_optional_settings_stay_unset_and_text_settings_are_kept_as_text() -> None:
    (cfg,) = read_project(
        {"stage": "dev", "stages": {"dev": {"alarm_email": None, "account": "123456789012"}}}
    ).selected_configs
    assert (cfg.alarm_email, cfg.account) == (None, "123456789012")


@pytest.mark.parametrize("setting", ["stage", "project_name"])
def test_the_stage_and_the_project_name_are_not_settings_of_a_stage(setting: str) -> None:
    with pytest.raises(ConfigError) as error:
        build_stage_config("dev", overrides={setting: "other"})
    message = str(error.value)
    assert message.startswith(f"stage 'dev': unknown setting {setting!r}: known settings: account, alarm_email, ")
    assert "memory_mb" in message.split("known settings: ")[1].split(", ")


def test_stages_in_cdk_json_must_be_an_object() -> None:
    with pytest.raises(ConfigError) as error:
        read_project({"stage": "dev", "stages": ["dev"]})
    assert str(error.value) == "context 'stages' must map stage names to settings, {\"prod\": {...}}; got ['dev']"


def test_a_bad_project_name_says_what_a_name_may_contain() -> None:
    with pytest.raises(ConfigError) as error:
        read_project({"project_name": "Bad_Name"})
    assert str(error.value) == (
        "project_name='Bad_Name' is not allowed: 3–32 characters, lowercase letters, digits and '-', starting with "
        "a letter (it prefixes every stack name)"
    )


NOT_A_CHOICE: list[tuple[dict[str, Any], str]] = [
    ({"architecture": "arm"}, "architecture='arm' is not allowed: choose one of arm64, x86_64"),
    (
        {"log_retention_days": 10},
        "log_retention_days=10 is not allowed: choose one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, "
        "545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    ),
    ({"removal_policy": "snapshot"}, "removal_policy='snapshot' is not allowed: choose one of destroy, retain"),
    ({"log_level": "TRACE"}, "log_level='TRACE' is not allowed: choose one of DEBUG, INFO, WARNING, ERROR"),
    (
        {"cold_start_strategy": "warm-pings"},
        "cold_start_strategy='warm-pings' is not allowed: choose one of none, provisioned, snapstart, managed-instances",
    ),
    (
        {"deployment": "blue_green"},
        "deployment='blue_green' is not allowed: choose one of all_at_once, canary_10_percent_5_minutes, "
        "canary_10_percent_30_minutes, linear_10_percent_every_1_minute, linear_10_percent_every_10_minutes",
    ),
]


@pytest.mark.parametrize(("overrides", "message"), NOT_A_CHOICE, ids=[next(iter(o)) for o, _ in NOT_A_CHOICE])
def test_a_value_outside_a_choice_is_refused_naming_stage_field_and_choices(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        build_stage_config("prod", overrides=overrides)
    assert str(error.value) == f"stage 'prod': {message}"
