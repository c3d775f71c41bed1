"""Monitoring per stage: alarms and whom they notify, the alarm e-mail, the dashboard and the saved cold-start query."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.conftest import FUNCTION_NAMES, STAGES, Synth, shared_id


def _alarms(synth: Synth, stage: str) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in synth.resources(stage, "service", "AWS::CloudWatch::Alarm").values()
    }


@pytest.mark.parametrize("stage", STAGES)
def test_alarms_notify_the_topic(synth: Synth, stage: str) -> None:
    config = synth.config(stage)
    alarms = _alarms(synth, stage)
    expected = {"Errors", "5xx", "Throttles", "Duration"}
    if config.cold_start_strategy == "provisioned":
        expected |= {"ProvisionedConcurrencySpilloverInvocations", "ProvisionedConcurrencyUtilization"}
    if config.reserved_concurrency:
        expected.add("ConcurrentExecutions")
        # The function's busiest minute at 80 % of its ceiling, before throttling starts.
        assert alarms["ConcurrentExecutions"]["Threshold"] == config.reserved_concurrency * 0.8
        assert alarms["ConcurrentExecutions"]["Statistic"] == "Maximum"
    assert set(alarms) == expected
    assert alarms["Duration"]["ExtendedStatistic"] == "p99"
    assert (
        alarms["Duration"]["Threshold"]
        == config.timeout_seconds * 1000 * config.duration_alarm_percent_of_timeout / 100
    )
    topic_id = next(iter(synth.resources(stage, "service", "AWS::SNS::Topic")))
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
        assert alarm["TreatMissingData"] == "notBreaching"
    # The alias's metrics (dimension Resource = function:production), not the whole function's.
    for name in ("Errors", "Throttles", "Duration"):
        assert "Resource" in {d["Name"] for d in alarms[name]["Dimensions"]}, name


def test_alarm_email_subscribes_only_when_configured(synth: Synth, variant: Synth) -> None:
    assert synth.resources("dev", "service", "AWS::SNS::Subscription") == {}
    subscription = variant.only("dev", "service", "AWS::SNS::Subscription")["Properties"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", "ops@example.com")


@pytest.mark.parametrize("name", FUNCTION_NAMES)
@pytest.mark.parametrize("stage", STAGES)
def test_dashboard_and_saved_cold_start_query(synth: Synth, stage: str, name: str) -> None:
    query = synth.at(stage, "service", f"Monitoring/{shared_id(name, 'ColdStartQuery')}")[1]["Properties"]
    saved_as = f"{synth.project.name}/{stage}/cold-starts"
    assert query["Name"] == (saved_as if len(FUNCTION_NAMES) == 1 else f"{saved_as}/{name}")
    for fragment in ('filter @type = "REPORT"', "count(@initDuration)", "pct(@initDuration, 99)", "by version"):
        assert fragment in query["QueryString"]
    assert len(query["LogGroupNames"]) == 1
    dashboard = synth.only(stage, "service", "AWS::CloudWatch::Dashboard")["Properties"]
    assert dashboard["DashboardName"] == f"{synth.project.name}-{stage}"
    body = json.dumps(dashboard["DashboardBody"])
    assert "@initDuration" in body
    assert ("ProvisionedConcurrencySpilloverInvocations" in body) is (stage == "prod")
