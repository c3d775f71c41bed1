"""Stage settings for access control and blast radius: api_authorization (+ jwt_issuer / jwt_audience),
cors_allowed_origins, order_retention_days, reserved_concurrency. Every bound is accepted on it and refused
just outside it, every invalid value is refused naming the stage, the field, the value and what is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.project import read_project
from stacks.stage_config import StageConfig, build_stage_config
from stacks.stage_rules import ORDER_RETENTION_DAYS_RANGE, RESERVED_CONCURRENCY_RANGE, ConfigError

ISSUER = "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_Example"


def test_defaults_per_stage() -> None:
    dev, prod = build_stage_config("dev"), build_stage_config("prod")
    assert (dev.api_authorization, prod.api_authorization) == ("none", "iam")
    assert (dev.order_retention_days, prod.order_retention_days) == (7, None)
    assert (dev.reserved_concurrency, prod.reserved_concurrency) == (None, 100)
    assert dev.cors_allowed_origins == prod.cors_allowed_origins == ()
    assert (dev.jwt_issuer, dev.jwt_audience) == (None, ())


def _build(stage: str = "dev", **overrides: Any) -> StageConfig:
    return build_stage_config(stage, overrides=overrides)


def test_jwt_authorization_with_issuer_and_audiences_from_the_command_line() -> None:
    context = {
        "stage": "dev",
        "dev.api_authorization": "jwt",
        "dev.jwt_issuer": ISSUER,
        "dev.jwt_audience": "web-client, mobile-client",  # -c values are strings: comma-separated lists
    }
    (dev,) = read_project(context).selected_configs
    assert (dev.api_authorization, dev.jwt_issuer, dev.jwt_audience) == ("jwt", ISSUER, ("web-client", "mobile-client"))


def test_lists_from_cdk_json_and_clearing_them() -> None:
    cfg = _build(cors_allowed_origins=["https://app.example.com", "http://localhost:3000"])
    assert cfg.cors_allowed_origins == ("https://app.example.com", "http://localhost:3000")
    assert _build(cors_allowed_origins="none").cors_allowed_origins == ()
    assert _build(cors_allowed_origins="").cors_allowed_origins == ()


@pytest.mark.parametrize("unset", [None, "none", "None", ""])
def test_optional_ints_are_unset_by_null_or_none(unset: Any) -> None:
    cfg = _build("prod", reserved_concurrency=unset, order_retention_days=unset)
    assert (cfg.reserved_concurrency, cfg.order_retention_days) == (None, None)


@pytest.mark.parametrize("days", ORDER_RETENTION_DAYS_RANGE)
def test_order_retention_days_bounds_are_accepted(days: int) -> None:
    assert _build(order_retention_days=str(days)).order_retention_days == days


@pytest.mark.parametrize("reserved", RESERVED_CONCURRENCY_RANGE)
def test_reserved_concurrency_bounds_are_accepted(reserved: int) -> None:
    assert _build(reserved_concurrency=reserved).reserved_concurrency == reserved


def test_reserved_concurrency_may_equal_the_provisioned_ceiling() -> None:
    # prod: pc_max=10 is the most the alias holds; exactly that fits.
    assert _build("prod", reserved_concurrency=10).reserved_concurrency == 10
    # Fixed PC (no autoscaling): the PC itself is the ceiling.
    assert _build("prod", pc_max=0, pc_business_hours_min=0, reserved_concurrency=2).reserved_concurrency == 2


def test_valid_origins_and_issuers() -> None:
    origins = ["https://app.example.com", "https://app.example.com:8443", "http://localhost", "http://127.0.0.1:5173"]
    assert _build(cors_allowed_origins=origins).cors_allowed_origins == tuple(origins)
    cfg = _build(api_authorization="jwt", jwt_issuer="https://issuer.example.com", jwt_audience=["a"])
    assert cfg.jwt_issuer == "https://issuer.example.com"


INVALID: list[tuple[dict[str, Any], str]] = [
    (
        {"api_authorization": "cognito"},
        "stage 'dev': api_authorization='cognito' is not allowed: choose one of none, iam, jwt",
    ),
    (
        {"api_authorization": "jwt", "jwt_audience": ["a"]},
        "stage 'dev': jwt_issuer=None is not allowed with api_authorization='jwt': an https URL",
    ),
    (
        {"api_authorization": "jwt", "jwt_issuer": "http://issuer.example.com", "jwt_audience": ["a"]},
        "stage 'dev': jwt_issuer='http://issuer.example.com' is not allowed with api_authorization='jwt': an https URL",
    ),
    (
        {"api_authorization": "jwt", "jwt_issuer": "issuer.example.com", "jwt_audience": ["a"]},
        "jwt_issuer='issuer.example.com' is not allowed with api_authorization='jwt'",
    ),
    (
        {"api_authorization": "jwt", "jwt_issuer": ISSUER},
        "stage 'dev': jwt_audience=[] is not allowed with api_authorization='jwt': one or more non-empty audiences",
    ),
    (
        {"api_authorization": "jwt", "jwt_issuer": ISSUER, "jwt_audience": ["a", " "]},
        "stage 'dev': jwt_audience=['a', ' '] is not a list of non-empty strings: an entry is empty",
    ),
    (
        {"api_authorization": "jwt", "jwt_issuer": ISSUER, "jwt_audience": "a,,b"},
        "jwt_audience='a,,b' is not a list of non-empty strings: an entry is empty",
    ),
    (
        {"jwt_issuer": ISSUER},
        f"stage 'dev': jwt_issuer={ISSUER!r}, jwt_audience=[] need api_authorization='jwt' (it is 'none')",
    ),
    (
        {"api_authorization": "iam", "jwt_audience": ["a"]},
        "jwt_issuer=None, jwt_audience=['a'] need api_authorization='jwt' (it is 'iam')",
    ),
    ({"jwt_audience": 5}, "stage 'dev': jwt_audience=5 is not a list of strings"),
    ({"cors_allowed_origins": "*"}, "stage 'dev': cors_allowed_origins has '*', which is not allowed: origins like"),
    (
        {"cors_allowed_origins": ["https://app.example.com/"]},
        "cors_allowed_origins has 'https://app.example.com/', which is not allowed",
    ),
    (
        {"cors_allowed_origins": ["https://app.example.com/path"]},
        "cors_allowed_origins has 'https://app.example.com/path'",
    ),
    (
        {"cors_allowed_origins": ["http://app.example.com"]},
        "cors_allowed_origins has 'http://app.example.com', which is not allowed",
    ),
    ({"cors_allowed_origins": ["app.example.com"]}, "cors_allowed_origins has 'app.example.com', which is not allowed"),
    ({"cors_allowed_origins": [1]}, "cors_allowed_origins=[1] is not a list of strings"),
    (
        {"order_retention_days": "0"},
        "stage 'dev': order_retention_days=0 is out of range: allowed 1–3653 days (or unset: keep)",
    ),
    ({"order_retention_days": "3654"}, "stage 'dev': order_retention_days=3654 is out of range: allowed 1–3653 days"),
    ({"order_retention_days": "a week"}, "stage 'dev': order_retention_days='a week' is not an integer"),
    (
        {"reserved_concurrency": "0"},
        "stage 'dev': reserved_concurrency=0 is out of range: allowed 1–1000 concurrent executions",
    ),
    ({"reserved_concurrency": "1001"}, "stage 'dev': reserved_concurrency=1001 is out of range: allowed 1–1000"),
    ({"reserved_concurrency": True}, "stage 'dev': reserved_concurrency=True is not an integer"),
]
INVALID_PROD: list[tuple[dict[str, Any], str]] = [
    # PC must fit inside the reserved concurrency: one below the ceiling is refused.
    (
        {"reserved_concurrency": "9"},
        "stage 'prod': reserved_concurrency=9 is out of range: allowed at least pc_max=10 (provisioned concurrency "
        "must fit inside the reserved concurrency), at most 1000",
    ),
    (
        {"pc_max": 0, "pc_business_hours_min": 0, "reserved_concurrency": 1},
        "stage 'prod': reserved_concurrency=1 is out of range: allowed at least provisioned_concurrency=2",
    ),
]


@pytest.mark.parametrize(
    ("stage", "overrides", "message"),
    [("dev", o, m) for o, m in INVALID] + [("prod", o, m) for o, m in INVALID_PROD],
    ids=[f"{i:02d}" for i in range(len(INVALID) + len(INVALID_PROD))],
)
def test_invalid_value_is_refused_naming_stage_field_value_and_range(
    stage: str, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        _build(stage, **overrides)
    assert message in str(error.value)
