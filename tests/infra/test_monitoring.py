"""Monitoring per stage: alarms and whom they notify, the alarm e-mail, the dashboard and the saved cold-start query."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.constructs.latency_metrics import MIN_LATENCY_SAMPLES
from stacks.constructs.safe_deployment import SHIFT_MINUTES
from stacks.service_stack import FUNCTIONS
from tests.infra.conftest import FUNCTION_NAMES, STAGES, Synth, shared_id


def _alarms(synth: Synth, stage: str) -> dict[str, dict[str, Any]]:
    """Construct id inside Monitoring (``Errors``, ``ReceiptsErrors``) -> the alarm's properties."""
    return {
        a["Metadata"]["aws:cdk:path"].split("/")[-2]: a["Properties"]
        for a in synth.resources(stage, "service", "AWS::CloudWatch::Alarm").values()
    }


def _dimensions(metric: dict[str, Any]) -> set[str]:
    return {d["Name"] for d in metric["Dimensions"]}


@pytest.mark.parametrize("stage", STAGES)
def test_alarms_notify_the_topic(synth: Synth, stage: str) -> None:
    config = synth.config(stage)
    alarms = _alarms(synth, stage)
    per_function = {"Errors", "Throttles", "DurationP99", "Latency", "VersionErrors", "VersionLatency"}
    if config.cold_start_strategy == "provisioned":
        per_function |= {"PcSpillover", "PcUtilization"}
    if config.reserved_concurrency:
        per_function.add("ConcurrencyNearReserved")
    assert set(alarms) == {"Api5xx"} | {shared_id(name, what) for name in FUNCTION_NAMES for what in per_function}
    for name in FUNCTION_NAMES:
        if config.reserved_concurrency:
            # The function's busiest minute at 80 % of its ceiling, before throttling starts.
            near = alarms[shared_id(name, "ConcurrencyNearReserved")]
            assert (near["Threshold"], near["Statistic"]) == (config.reserved_concurrency * 0.8, "Maximum")
        duration = alarms[shared_id(name, "DurationP99")]
        assert duration["ExtendedStatistic"] == "p99"
        assert duration["Threshold"] == config.timeout_seconds * 1000 * config.duration_alarm_percent_of_timeout / 100
        # The alias's metrics (dimension Resource = function:production), not the whole function's.
        for what in ("Errors", "Throttles", "DurationP99"):
            assert "Resource" in _dimensions(alarms[shared_id(name, what)]), what
    topic_id = next(iter(synth.resources(stage, "service", "AWS::SNS::Topic")))
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
        # Missing data is no invocation, or too few to judge a trimmed mean: never a reason to roll back.
        assert alarm["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("name", FUNCTION_NAMES)
@pytest.mark.parametrize("stage", STAGES)
def test_the_new_version_alarms_watch_the_version_being_deployed(synth: Synth, stage: str, name: str) -> None:
    config = synth.config(stage)
    alarms = _alarms(synth, stage)
    version_id, _ = synth.of_function(stage, name, "AWS::Lambda::Version")
    new_version = {"Fn::GetAtt": [version_id, "Version"]}
    errors = alarms[shared_id(name, "VersionErrors")]
    # Any error (sum > 0) in any minute of the shift: one of SHIFT_MINUTES minutes.
    assert (errors["MetricName"], errors["Statistic"], errors["Threshold"]) == ("Errors", "Sum", 0)
    assert errors["ComparisonOperator"] == "GreaterThanThreshold"
    assert (errors["DatapointsToAlarm"], errors["EvaluationPeriods"]) == (1, SHIFT_MINUTES[config.deployment])
    assert {d["Name"]: d["Value"] for d in errors["Dimensions"]}["ExecutedVersion"] == new_version
    assert _dimensions(errors) == {"FunctionName", "Resource", "ExecutedVersion"}
    latency = alarms[shared_id(name, "VersionLatency")]
    metrics = {m["Id"]: m for m in latency["Metrics"]}
    assert metrics["expr_1"]["Expression"] == f"IF(samples >= {MIN_LATENCY_SAMPLES}, tm90)"
    assert (metrics["tm90"]["MetricStat"]["Stat"], metrics["samples"]["MetricStat"]["Stat"]) == ("tm90", "SampleCount")
    for metric_id in ("tm90", "samples"):
        metric = metrics[metric_id]["MetricStat"]["Metric"]
        assert metric["MetricName"] == "Duration"
        assert {d["Name"]: d["Value"] for d in metric["Dimensions"]}["ExecutedVersion"] == new_version
    spec = next(spec for spec in FUNCTIONS if spec.name == name)
    assert latency["Threshold"] == spec.smoke.latency_budget_ms  # the budget the hook's cases are held to
    assert (latency["DatapointsToAlarm"], latency["EvaluationPeriods"]) == (2, 3)
    # CloudFormation points them at the new version before the alias update starts the deployment.
    _, alias = synth.of_function(stage, name, "AWS::Lambda::Alias")
    resources = synth.template(stage, "service")["Resources"]
    names = {resources[k]["Metadata"]["aws:cdk:path"].split("/")[-2]: k for k in alias["DependsOn"]}
    assert {shared_id(name, "VersionErrors"), shared_id(name, "VersionLatency")} <= set(names)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_the_alias_latency_alarm_is_the_same_trimmed_mean_without_the_version(synth: Synth, name: str) -> None:
    alarms = _alarms(synth, "prod")
    alias, version = alarms[shared_id(name, "Latency")], alarms[shared_id(name, "VersionLatency")]
    for metric in alias["Metrics"][1:]:
        assert _dimensions(metric["MetricStat"]["Metric"]) == {"FunctionName", "Resource"}
    assert {k: v for k, v in alias.items() if k not in ("Metrics", "AlarmDescription")} == {
        k: v for k, v in version.items() if k not in ("Metrics", "AlarmDescription")
    }


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
