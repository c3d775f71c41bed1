"""Safe deployments: CodeDeploy shifts the alias's traffic per the stage and rolls back on alarm."""

from __future__ import annotations

import pytest

from tests.infra.conftest import FUNCTION_NAMES, Synth, shared_id


@pytest.mark.parametrize("name", FUNCTION_NAMES)
@pytest.mark.parametrize(
    ("stage", "config_name"),
    [("dev", "CodeDeployDefault.LambdaAllAtOnce"), ("prod", "CodeDeployDefault.LambdaCanary10Percent5Minutes")],
)
def test_codedeploy_shifts_alias_traffic_and_rolls_back_on_alarm(
    synth: Synth, stage: str, config_name: str, name: str
) -> None:
    group = synth.at(stage, "service", f"Deployment/{shared_id(name, 'DeploymentGroup')}")[1]["Properties"]
    assert group["DeploymentConfigName"] == config_name
    assert group["AutoRollbackConfiguration"] == {
        "Enabled": True,
        "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
    }
    rollback_alarms = group["AlarmConfiguration"]["Alarms"]
    assert len(rollback_alarms) == 3  # errors, API 5xx, p99 duration; not spillover (a healthy canary spills)
    _, alias = synth.of_function(stage, name, "AWS::Lambda::Alias")
    assert "CodeDeployLambdaAliasUpdate" in alias["UpdatePolicy"]
