"""Safe deployments: CodeDeploy shifts the alias's traffic per the stage and rolls back on alarm."""

from __future__ import annotations

import pytest

from tests.infra.conftest import Synth


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
