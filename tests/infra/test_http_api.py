"""The HTTP API's stage: JSON access logs kept for the stage's retention, and the stage's throttling."""

from __future__ import annotations

import json

import pytest

from tests.infra.conftest import STAGES, Synth


@pytest.mark.parametrize("stage", STAGES)
def test_api_stage_has_json_access_logs_and_throttling(synth: Synth, stage: str) -> None:
    config = synth.config(stage)
    stage_props = synth.only(stage, "service", "AWS::ApiGatewayV2::Stage")["Properties"]
    assert stage_props["StageName"] == "$default"
    assert stage_props["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": config.api_throttle_burst_limit,
        "ThrottlingRateLimit": config.api_throttle_rate_limit,
    }
    access_format = json.loads(stage_props["AccessLogSettings"]["Format"])
    assert {"requestId", "routeKey", "status", "latencyMs", "integrationError"} <= set(access_format)
    log_group_id = stage_props["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    log_group = synth.template(stage, "service")["Resources"][log_group_id]
    assert log_group["Properties"]["RetentionInDays"] == config.log_retention_days
