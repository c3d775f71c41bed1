"""Safe deployments: CodeDeploy runs the function's pre-traffic hook, shifts the alias's traffic per the stage and rolls
back on the new version's alarms, and the alias's and the API's unless the stage turns those off."""

from __future__ import annotations

import pytest

from tests.infra.conftest import FUNCTION_NAMES, Synth, shared_id, synthesize


def _rollback_alarms(synth: Synth, stage: str, name: str) -> list[str]:
    """The construct ids (inside Monitoring) of the alarms the function's deployment group rolls back on."""
    group = synth.at(stage, "service", f"Deployment/{shared_id(name, 'DeploymentGroup')}")[1]["Properties"]
    resources = synth.template(stage, "service")["Resources"]
    return [
        resources[a["Name"]["Ref"]]["Metadata"]["aws:cdk:path"].split("/")[-2]
        for a in group["AlarmConfiguration"]["Alarms"]
    ]


@pytest.mark.parametrize("name", FUNCTION_NAMES)
@pytest.mark.parametrize(
    ("stage", "config_name"),
    [("dev", "CodeDeployDefault.LambdaAllAtOnce"), ("prod", "CodeDeployDefault.LambdaCanary10Percent5Minutes")],
)
def test_codedeploy_runs_the_hook_shifts_alias_traffic_and_rolls_back_on_alarm(
    synth: Synth, stage: str, config_name: str, name: str
) -> None:
    group_id, group = synth.at(stage, "service", f"Deployment/{shared_id(name, 'DeploymentGroup')}")
    assert group["Properties"]["DeploymentConfigName"] == config_name
    assert group["Properties"]["AutoRollbackConfiguration"] == {
        "Enabled": True,
        "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
    }
    # The new version's errors and TM90 latency, the alias's, the API's 5xx; not the p99 against the timeout (a
    # canary's few requests make it their maximum), not spillover (a healthy canary spills).
    assert sorted(_rollback_alarms(synth, stage, name)) == sorted(
        [*(shared_id(name, what) for what in ("VersionErrors", "VersionLatency", "Errors", "Latency")), "Api5xx"]
    )
    hook_id, _ = synth.at(stage, "service", f"Deployment/{shared_id(name, 'PreTrafficHook')}/Function")
    application_id, _ = synth.at(stage, "service", "Deployment/Application")
    _, alias = synth.of_function(stage, name, "AWS::Lambda::Alias")
    assert alias["UpdatePolicy"] == {
        "CodeDeployLambdaAliasUpdate": {
            "ApplicationName": {"Ref": application_id},
            "DeploymentGroupName": {"Ref": group_id},
            "BeforeAllowTrafficHook": {"Ref": hook_id},
        }
    }
    assert hook_id in alias["DependsOn"]  # its environment names the new version before the deployment starts


def test_a_fix_can_be_deployed_past_the_alias_alarms(tmp_path_factory: pytest.TempPathFactory) -> None:
    # -c prod.rollback_on_alias_alarms=false, for the deploy of a fix while the broken version keeps the alias's and
    # the API's alarms in ALARM: the new version's alarms and its hook still decide.
    fix = synthesize(
        tmp_path_factory.mktemp("fix"), stage="prod", **{"prod.rollback_on_alias_alarms": "false", "guard": "false"}
    )
    for name in FUNCTION_NAMES:
        assert sorted(_rollback_alarms(fix, "prod", name)) == sorted(
            shared_id(name, what) for what in ("VersionErrors", "VersionLatency")
        )
        _, alias = fix.of_function("prod", name, "AWS::Lambda::Alias")
        assert "BeforeAllowTrafficHook" in alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
