"""The opt-in Power Tuning stack: the pinned SAR application, scoped IAM resource, and its output."""

from __future__ import annotations

import pytest

cdk = pytest.importorskip("aws_cdk")
from aws_cdk import assertions  # noqa: E402

from stacks.power_tuning_stack import (  # noqa: E402
    OUTPUT_STATE_MACHINE_ARN,
    POWER_TUNING_APPLICATION_ID,
    POWER_TUNING_VERSION,
    PowerTuningStack,
)
from stacks.project import load_project  # noqa: E402

PROJECT = load_project().name


@pytest.fixture(scope="module")
def template() -> assertions.Template:
    app = cdk.App(context={"aws:cdk:bundling-stacks": []})
    config = load_project().stage("dev")
    stack = PowerTuningStack(app, config.stack_name("power-tuning"), config=config)
    return assertions.Template.from_stack(stack)


def test_deploys_the_pinned_sar_application(template: assertions.Template) -> None:
    template.resource_count_is("AWS::Serverless::Application", 1)
    template.has_resource_properties(
        "AWS::Serverless::Application",
        {"Location": {"ApplicationId": POWER_TUNING_APPLICATION_ID, "SemanticVersion": POWER_TUNING_VERSION}},
    )
    assert POWER_TUNING_VERSION.count(".") == 2 and "latest" not in POWER_TUNING_VERSION


def test_sam_transform_is_declared(template: assertions.Template) -> None:
    assert template.to_json()["Transform"] == "AWS::Serverless-2016-10-31"


def test_iam_is_scoped_to_the_project_and_stage(template: assertions.Template) -> None:
    params = next(iter(template.find_resources("AWS::Serverless::Application").values()))["Properties"]["Parameters"]
    assert params["lambdaResource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:" + f"{PROJECT}-dev-*"
    }
    assert params["stateMachineNamePrefix"] == f"{PROJECT}-dev-power-tuning"
    assert params["PowerValues"] == "128,256,512,1024,1536,2048,3008"


def test_outputs_the_state_machine_arn(template: assertions.Template) -> None:
    out = template.find_outputs(OUTPUT_STATE_MACHINE_ARN)
    assert out[OUTPUT_STATE_MACHINE_ARN]["Value"] == {"Fn::GetAtt": ["PowerTuning", "Outputs.StateMachineARN"]}
