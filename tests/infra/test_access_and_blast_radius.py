"""Access control and blast radius per stage: who may call the API (none / IAM / JWT), CORS, order expiry and
the function's concurrency ceiling, from the stage settings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orders.repository import EXPIRES_AT_ATTRIBUTE
from stacks.constructs.http_api import CORS_ALLOW_HEADERS
from stacks.constructs.orders_table import EXPIRES_AT_ATTRIBUTE as TABLE_TTL_ATTRIBUTE
from stacks.service_stack import ORDERS
from stacks.smoke_cases import SMOKE_ID_PREFIX
from tests.infra.conftest import FUNCTION_NAMES, STAGES, VARIANT_SETTINGS, Synth

AUTHORIZATION_TYPES = {"none": "NONE", "iam": "AWS_IAM", "jwt": "JWT"}


def _orders_function(synth: Synth, stage: str) -> dict[str, Any]:
    (function,) = [
        f["Properties"]
        for f in synth.resources(stage, "service", "AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") == "orders.handler.lambda_handler"
    ]
    return function


@pytest.mark.parametrize("stage", STAGES)
def test_routes_use_the_stage_authorization(synth: Synth, stage: str) -> None:
    config = synth.config(stage)
    routes = synth.resources(stage, "service", "AWS::ApiGatewayV2::Route").values()
    assert {r["Properties"]["AuthorizationType"] for r in routes} == {AUTHORIZATION_TYPES[config.api_authorization]}
    outputs = synth.template(stage, "service")["Outputs"]
    assert ("ApiInvokePolicyArn" in outputs) is (config.api_authorization == "iam")


def test_jwt_routes_check_issuer_and_audience(variant: Synth) -> None:
    authorizer = variant.only("dev", "service", "AWS::ApiGatewayV2::Authorizer")["Properties"]
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["JwtConfiguration"] == {
        "Issuer": VARIANT_SETTINGS["jwt_issuer"],
        "Audience": VARIANT_SETTINGS["jwt_audience"],
    }
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    routes = variant.resources("dev", "service", "AWS::ApiGatewayV2::Route").values()
    assert {r["Properties"]["AuthorizationType"] for r in routes} == {"JWT"}
    assert variant.resources("dev", "service", "AWS::IAM::ManagedPolicy") == {}


def test_apig4_is_acknowledged_only_where_the_api_is_public(synth: Synth) -> None:
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    paths = {
        c["constructPath"]
        for p in report["pluginReports"]
        for v in p["suppressedViolations"]
        if v["ruleName"] == "AwsSolutions-APIG4"
        for c in v["violatingConstructs"]
    }
    public = {s for s in STAGES if synth.config(s).api_authorization == "none"}
    assert paths and {p.split("/")[0].split("-")[-2] for p in paths} == public == {"dev"}


@pytest.mark.parametrize("stage", STAGES)
def test_no_cors_unless_origins_are_configured(synth: Synth, stage: str) -> None:
    assert "CorsConfiguration" not in synth.only(stage, "service", "AWS::ApiGatewayV2::Api")["Properties"]


def test_cors_answers_preflights_for_exactly_the_configured_origins_and_route_methods(variant: Synth) -> None:
    cors = variant.only("dev", "service", "AWS::ApiGatewayV2::Api")["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == VARIANT_SETTINGS["cors_allowed_origins"]
    assert sorted(cors["AllowMethods"]) == sorted({m for m, _ in ORDERS.routes}) == ["GET", "POST"]
    assert cors["AllowHeaders"] == list(CORS_ALLOW_HEADERS)
    assert cors["MaxAge"] == 3600
    assert "AllowCredentials" not in cors  # no cookies: requests carry their own Authorization / SigV4 headers


@pytest.mark.parametrize("stage", STAGES)
def test_orders_expire_through_the_table_ttl_when_retention_is_set(synth: Synth, stage: str) -> None:
    days = synth.config(stage).order_retention_days
    table = synth.only(stage, "data", "AWS::DynamoDB::Table")["Properties"]
    environment = _orders_function(synth, stage)["Environment"]["Variables"]
    assert TABLE_TTL_ATTRIBUTE == EXPIRES_AT_ATTRIBUTE  # the table's TTL attribute is the one the code writes
    # TTL is on in every stage: without retention only the pre-traffic hook's smoke orders carry an expiry.
    assert table["TimeToLiveSpecification"] == {"AttributeName": EXPIRES_AT_ATTRIBUTE, "Enabled": True}
    assert environment["SMOKE_ID_PREFIX"] == SMOKE_ID_PREFIX
    if days is None:
        assert "ORDER_RETENTION_DAYS" not in environment
    else:
        assert environment["ORDER_RETENTION_DAYS"] == str(days)
    assert (stage, days) in {("dev", 7), ("prod", None)}


def test_without_retention_only_smoke_orders_expire(variant: Synth) -> None:
    table = variant.only("dev", "data", "AWS::DynamoDB::Table")["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": EXPIRES_AT_ATTRIBUTE, "Enabled": True}
    environment = _orders_function(variant, "dev")["Environment"]["Variables"]
    assert "ORDER_RETENTION_DAYS" not in environment and environment["SMOKE_ID_PREFIX"] == SMOKE_ID_PREFIX


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_reserved_concurrency_caps_each_function(synth: Synth, stage: str, name: str) -> None:
    config = synth.config(stage)
    _, function = synth.of_function(stage, name, "AWS::Lambda::Function")
    assert function["Properties"].get("ReservedConcurrentExecutions") == config.reserved_concurrency
    _, alias = synth.of_function(stage, name, "AWS::Lambda::Alias")
    if config.reserved_concurrency:
        assert config.pc_max <= config.reserved_concurrency <= 1000
        pc = alias["Properties"]["ProvisionedConcurrencyConfig"]["ProvisionedConcurrentExecutions"]
        assert pc <= config.reserved_concurrency
    assert (stage, config.reserved_concurrency) in {("dev", None), ("prod", 100)}
