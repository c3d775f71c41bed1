"""Every log group this app causes, with the stage's retention and removal policy: the function's and the API's,
and the ones of CDK's own helper functions (BucketDeployment, autoDeleteObjects), which CDK would otherwise keep
for two years or forever and leave behind on `cdk destroy`.

jsii enums are keyed by name, not by value: ``BY_DAYS`` maps the config's retention in days to CDK's enum."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.stage_config import StageConfig

_R = logs.RetentionDays
BY_DAYS = {
    1: _R.ONE_DAY,
    3: _R.THREE_DAYS,
    5: _R.FIVE_DAYS,
    7: _R.ONE_WEEK,
    14: _R.TWO_WEEKS,
    30: _R.ONE_MONTH,
    60: _R.TWO_MONTHS,
    90: _R.THREE_MONTHS,
    120: _R.FOUR_MONTHS,
    150: _R.FIVE_MONTHS,
    180: _R.SIX_MONTHS,
    365: _R.ONE_YEAR,
    400: _R.THIRTEEN_MONTHS,
    545: _R.EIGHTEEN_MONTHS,
    731: _R.TWO_YEARS,
    1096: _R.THREE_YEARS,
    1827: _R.FIVE_YEARS,
    2192: _R.SIX_YEARS,
    2557: _R.SEVEN_YEARS,
    2922: _R.EIGHT_YEARS,
    3288: _R.NINE_YEARS,
    3653: _R.TEN_YEARS,
}


def retention(days: int) -> logs.RetentionDays:
    return BY_DAYS[days]


def stage_log_group(scope: Construct, construct_id: str, *, config: StageConfig) -> logs.LogGroup:
    """A log group kept for the stage's ``log_retention_days`` and deleted with its stack unless the stage
    retains (prod: logs outlive a destroyed and recreated service stack, like the data they describe)."""
    return logs.LogGroup(
        scope,
        construct_id,
        retention=retention(config.log_retention_days),
        removal_policy=cdk.RemovalPolicy.RETAIN if config.is_retained else cdk.RemovalPolicy.DESTROY,
    )


def route_provider_logs(stack: cdk.Stack, *, config: StageConfig) -> None:
    """CDK's custom-resource providers (``Custom::*Provider``, e.g. autoDeleteObjects) are bare CloudFormation
    functions without a log group: Lambda would create ``/aws/lambda/<name>`` on first run, never expiring and
    outside the stack. Give each one a stage log group through its ``LoggingConfig``; the function then depends on
    the group, so CloudFormation deletes the function (its last run done) before the group."""
    for child in stack.node.children:
        if not (
            isinstance(child, Construct) and child.node.id.startswith("Custom::") and child.node.id.endswith("Provider")
        ):
            continue
        handler = child.node.try_find_child("Handler")
        if isinstance(handler, cdk.CfnResource) and handler.cfn_resource_type == "AWS::Lambda::Function":
            group = stage_log_group(child, "LogGroup", config=config)
            handler.add_property_override("LoggingConfig", {"LogGroup": group.log_group_name})
