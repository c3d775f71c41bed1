"""Every log group this app causes, per stage: CDK's helpers' included, each with the stage's retention and
removal policy (prod keeps them, dev's destroy leaves nothing), and no function left writing to a log group
that Lambda would create outside the stacks (never expiring, never deleted)."""

from __future__ import annotations

import pytest
from lambda_kit.assembly.intrinsics import Resolver

from stacks.naming import function_id
from tests.infra.conftest import FUNCTION_NAMES, STAGES, Synth, shared_id

# The listing, as reviewed: (stack kind, construct path) per stage.
EXPECTED = {
    "dev": {
        ("data", "Config/ConfigJsonLogs"),  # CDK's BucketDeployment function (config.json upload)
        ("data", "Custom::S3AutoDeleteObjectsCustomResourceProvider/LogGroup"),  # CDK's bucket-emptying function
        ("service", "HttpApi/AccessLogs"),
    },
    "prod": {("data", "Config/ConfigJsonLogs"), ("service", "HttpApi/AccessLogs")},
}
# One per API function, and one per function's pre-traffic hook.
FUNCTION_LOG_GROUPS = {("service", f"{function_id(name)}/LogGroup") for name in FUNCTION_NAMES} | {
    ("service", f"Deployment/{shared_id(name, 'PreTrafficHook')}/LogGroup") for name in FUNCTION_NAMES
}


def log_groups(synth: Synth, stage: str) -> dict[tuple[str, str], tuple[int, str]]:
    """(stack kind, construct path) -> (retention days, deletion policy)."""
    found = {}
    for kind in ("data", "service"):
        for logical_id, resource in synth.resources(stage, kind, "AWS::Logs::LogGroup").items():
            path = resource["Metadata"]["aws:cdk:path"].split("/", 1)[1].removesuffix("/Resource")
            assert resource["UpdateReplacePolicy"] == resource["DeletionPolicy"], logical_id
            found[(kind, path)] = (resource["Properties"].get("RetentionInDays", 0), resource["DeletionPolicy"])
    return found


@pytest.mark.parametrize("stage", STAGES)
def test_every_log_group_has_the_stage_retention_and_removal_policy(synth: Synth, stage: str) -> None:
    config = synth.config(stage)
    listed = log_groups(synth, stage)
    print(
        f"\n{stage}: "
        + "; ".join(f"{k}/{p}: {days} days, {policy}" for (k, p), (days, policy) in sorted(listed.items()))
    )
    assert set(listed) == EXPECTED[stage] | FUNCTION_LOG_GROUPS
    expected = (config.log_retention_days, "Retain" if config.is_retained else "Delete")
    assert set(listed.values()) == {expected}


@pytest.mark.parametrize("stage", STAGES)
def test_every_function_logs_into_a_log_group_of_its_stack(synth: Synth, stage: str) -> None:
    resolver = Resolver(synth.templates)
    functions = 0
    for kind in ("data", "service"):
        stack = synth.config(stage).stack_name(kind)
        for logical_id, function in synth.resources(stage, kind, "AWS::Lambda::Function").items():
            functions += 1
            target = resolver.refers_to(stack, function["Properties"].get("LoggingConfig", {}).get("LogGroup"))
            assert target is not None, f"{stack}/{logical_id} would log to /aws/lambda/<name>, outside the stack"
            assert resolver.resource(*target)["Type"] == "AWS::Logs::LogGroup"
    # The API functions and their hooks, BucketDeployment (+ dev's autoDeleteObjects)
    assert functions == 2 * len(FUNCTION_NAMES) + (2 if stage == "dev" else 1)
