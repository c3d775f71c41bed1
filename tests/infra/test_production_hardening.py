"""cdk-nag, provisioned-concurrency autoscaling, cold-start strategies, alarms, dashboard, canary deploys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import STAGES, Synth

# Every acknowledged cdk-nag finding, by rule: a new acknowledgment must be added here on purpose.
EXPECTED_ACKNOWLEDGED = {
    "AwsSolutions-APIG4",  # dev only: api_authorization='none'
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    # prod's invoke policy for IAM-authorized callers: a route's path ends in its order id
    "AwsSolutions-IAM5[Resource::arn:aws:execute-api:ap-northeast-1:<AWS::AccountId>:<HttpApi9292168F>/*/GET/orders/*]",
    "AwsSolutions-IAM5[Resource::arn:aws:execute-api:ap-northeast-1:<AWS::AccountId>:<HttpApi9292168F>/*/POST/orders]",
    "AwsSolutions-IAM5[Action::s3:Abort*]",
    "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
    "AwsSolutions-IAM5[Action::s3:GetBucket*]",
    "AwsSolutions-IAM5[Action::s3:GetObject*]",
    "AwsSolutions-IAM5[Action::s3:List*]",
    "AwsSolutions-IAM5[Resource::*]",
    "AwsSolutions-IAM5[Resource::<ConfigBucketF2111528.Arn>/*]",
    "AwsSolutions-IAM5[Resource::arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-ap-northeast-1/*]",
    "AwsSolutions-L1",
    "AwsSolutions-SMG4",
    "Serverless-LambdaDLQ",
    "Serverless-LambdaLatestVersion",
    "Serverless-LambdaTracing",
}


def _report(outdir: Path) -> dict[str, Any]:
    return json.loads((outdir / "validation-report.json").read_text())


def _nag_plugins(synth: Synth) -> list[dict[str, Any]]:
    # cdk-nag's packs (Guard's report is checked by tests/policy, on a synth that runs it).
    plugins = {p["pluginName"]: p for p in _report(synth.outdir)["pluginReports"]}
    assert set(plugins) == {"AwsSolutions", "Serverless"}
    return [plugins["AwsSolutions"], plugins["Serverless"]]


def test_cdk_nag_passes_with_only_the_reviewed_acknowledgments(synth: Synth) -> None:
    plugins = {p["pluginName"]: p for p in _nag_plugins(synth)}
    for plugin in plugins.values():
        assert plugin["conclusion"] == "success"
        assert plugin["violations"] == []
    acknowledged = {s["ruleName"] for p in plugins.values() for s in p["suppressedViolations"]}
    assert acknowledged == EXPECTED_ACKNOWLEDGED
    assert all(len(s["reason"]) > 40 for p in plugins.values() for s in p["suppressedViolations"])


def test_orders_function_acknowledgments_are_narrow(synth: Synth) -> None:
    # The function's own role carries only X-Ray's Resource '*': every other grant is resource-scoped.
    for plugin in _nag_plugins(synth):
        for finding in plugin["suppressedViolations"]:
            for construct in finding["violatingConstructs"]:
                if "/Orders/" in construct["constructPath"]:
                    assert finding["ruleName"] in {"AwsSolutions-IAM5[Resource::*]", "Serverless-LambdaDLQ"}


def test_unacknowledged_finding_fails_synth(tmp_path: Path) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3

    from stacks.app_builder import build
    from tests.infra.conftest import app_context

    app = cdk.App(outdir=str(tmp_path), context=app_context(stage="dev", guard="false"))
    build(app)
    stack = cdk.Stack(app, "probe")
    s3.Bucket(stack, "UnloggedBucket")  # no access logs, no TLS-only policy
    with pytest.raises(RuntimeError, match=r"ValidationFailed[\s\S]*AwsSolutions-S1"):
        app.synth()


# --- provisioned concurrency ---------------------------------------------------------------------


def test_prod_pc_autoscaling_target_tracking_and_schedule(synth: Synth) -> None:
    prod = synth.config("prod")
    target = synth.only("prod", "service", "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (prod.provisioned_concurrency, prod.pc_max)
    assert target["ScalableDimension"] == "lambda:function:ProvisionedConcurrency"
    actions = {a["ScheduledActionName"]: a for a in target["ScheduledActions"]}
    assert set(actions) == {"BusinessHoursStart", "BusinessHoursEnd"}
    assert actions["BusinessHoursStart"]["ScalableTargetAction"]["MinCapacity"] == prod.pc_business_hours_min
    # aws/aws-cdk#29992: the off-hours floor is never 0.
    assert actions["BusinessHoursEnd"]["ScalableTargetAction"]["MinCapacity"] == prod.provisioned_concurrency >= 1
    assert actions["BusinessHoursStart"]["Schedule"] == "cron(0 9 ? * MON-FRI *)"
    assert {a["Timezone"] for a in actions.values()} == {"Asia/Tokyo"}
    policy = synth.only("prod", "service", "AWS::ApplicationAutoScaling::ScalingPolicy")["Properties"]
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["TargetValue"] == prod.pc_target_utilization_percent / 100
    assert tracking["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
        "LambdaProvisionedConcurrencyUtilization"
    )


def test_dev_has_no_provisioned_concurrency_or_scaling(synth: Synth) -> None:
    assert synth.resources("dev", "service", "AWS::ApplicationAutoScaling::ScalableTarget") == {}
    assert "ProvisionedConcurrencyConfig" not in synth.only("dev", "service", "AWS::Lambda::Alias")["Properties"]


def test_snapstart_strategy_publishes_snapstart_versions_without_pc(variant: Synth) -> None:
    functions = [
        f
        for f in variant.resources("dev", "service", "AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") == "orders.handler.lambda_handler"
    ]
    assert functions[0]["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert "ProvisionedConcurrencyConfig" not in variant.only("dev", "service", "AWS::Lambda::Alias")["Properties"]
    assert variant.resources("dev", "service", "AWS::ApplicationAutoScaling::ScalableTarget") == {}


def test_other_strategies_have_no_snapstart(synth: Synth) -> None:
    for stage in STAGES:
        for function in synth.resources(stage, "service", "AWS::Lambda::Function").values():
            assert "SnapStart" not in function["Properties"]


# --- observability -------------------------------------------------------------------------------


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


@pytest.mark.parametrize("stage", STAGES)
def test_dashboard_and_saved_cold_start_query(synth: Synth, stage: str) -> None:
    query = synth.only(stage, "service", "AWS::Logs::QueryDefinition")["Properties"]
    assert query["Name"] == f"{synth.project.name}/{stage}/cold-starts"
    for fragment in ('filter @type = "REPORT"', "count(@initDuration)", "pct(@initDuration, 99)", "by version"):
        assert fragment in query["QueryString"]
    assert len(query["LogGroupNames"]) == 1
    dashboard = synth.only(stage, "service", "AWS::CloudWatch::Dashboard")["Properties"]
    assert dashboard["DashboardName"] == f"{synth.project.name}-{stage}"
    body = json.dumps(dashboard["DashboardBody"])
    assert "@initDuration" in body
    assert ("ProvisionedConcurrencySpilloverInvocations" in body) is (stage == "prod")


# --- safe deployments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "config_name"),
    [("dev", "CodeDeployDefault.LambdaAllAtOnce"), ("prod", "CodeDeployDefault.LambdaCanary10Percent5Minutes")],
)
def test_codedeploy_shifts_alias_traffic_and_rolls_back_on_alarm(synth: Synth, stage: str, config_name: str) -> None:
    group = synth.only(stage, "service", "AWS::CodeDeploy::DeploymentGroup")["Properties"]
    assert group["DeploymentConfigName"] == config_name
    assert group["AutoRollbackConfiguration"] == {
        "Enabled": True,
        "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
    }
    rollback_alarms = group["AlarmConfiguration"]["Alarms"]
    assert len(rollback_alarms) == 3  # errors, API 5xx, p99 duration; not spillover (a healthy canary spills)
    alias = synth.only(stage, "service", "AWS::Lambda::Alias")
    assert "CodeDeployLambdaAliasUpdate" in alias["UpdatePolicy"]


# --- API -----------------------------------------------------------------------------------------


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


# --- secrets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_secret_read_is_scoped_to_the_one_secret(synth: Synth, stage: str) -> None:
    statements = [
        s
        for p in synth.resources(stage, "service", "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if any(
            a.startswith("secretsmanager:") for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        )
    ]
    assert len(statements) == 1
    assert statements[0]["Resource"]["Fn::GetStackOutput"]["StackName"] == synth.config(stage).stack_name("data")
