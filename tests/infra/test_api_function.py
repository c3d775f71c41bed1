"""The API function construct per stage: its cold-start strategy (provisioned concurrency and its autoscaling,
SnapStart) and its data access (the one secret)."""

from __future__ import annotations

import pytest

from tests.infra.conftest import FUNCTION_NAMES, STAGES, Synth


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_prod_pc_autoscaling_target_tracking_and_schedule(synth: Synth, name: str) -> None:
    prod = synth.config("prod")
    target = synth.of_function("prod", name, "AWS::ApplicationAutoScaling::ScalableTarget")[1]["Properties"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (prod.provisioned_concurrency, prod.pc_max)
    assert target["ScalableDimension"] == "lambda:function:ProvisionedConcurrency"
    actions = {a["ScheduledActionName"]: a for a in target["ScheduledActions"]}
    assert set(actions) == {"BusinessHoursStart", "BusinessHoursEnd"}
    assert actions["BusinessHoursStart"]["ScalableTargetAction"]["MinCapacity"] == prod.pc_business_hours_min
    # aws/aws-cdk#29992: the off-hours floor is never 0.
    assert actions["BusinessHoursEnd"]["ScalableTargetAction"]["MinCapacity"] == prod.provisioned_concurrency >= 1
    assert actions["BusinessHoursStart"]["Schedule"] == "cron(0 9 ? * MON-FRI *)"
    assert {a["Timezone"] for a in actions.values()} == {"Asia/Tokyo"}
    policy = synth.of_function("prod", name, "AWS::ApplicationAutoScaling::ScalingPolicy")[1]["Properties"]
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["TargetValue"] == prod.pc_target_utilization_percent / 100
    assert tracking["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
        "LambdaProvisionedConcurrencyUtilization"
    )


def test_dev_has_no_provisioned_concurrency_or_scaling(synth: Synth) -> None:
    assert synth.resources("dev", "service", "AWS::ApplicationAutoScaling::ScalableTarget") == {}
    for name in FUNCTION_NAMES:
        assert (
            "ProvisionedConcurrencyConfig" not in synth.of_function("dev", name, "AWS::Lambda::Alias")[1]["Properties"]
        )


def test_snapstart_strategy_publishes_snapstart_versions_without_pc(variant: Synth) -> None:
    for name in FUNCTION_NAMES:
        function = variant.of_function("dev", name, "AWS::Lambda::Function")[1]
        assert function["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
        assert (
            "ProvisionedConcurrencyConfig"
            not in variant.of_function("dev", name, "AWS::Lambda::Alias")[1]["Properties"]
        )
    assert variant.resources("dev", "service", "AWS::ApplicationAutoScaling::ScalableTarget") == {}


def test_other_strategies_have_no_snapstart(synth: Synth) -> None:
    for stage in STAGES:
        for function in synth.resources(stage, "service", "AWS::Lambda::Function").values():
            assert "SnapStart" not in function["Properties"]


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
