"""Opt-in stack (``-c power_tuning=true``): the official AWS Lambda Power Tuning state machine, deployed
from the Serverless Application Repository (SAR) as a nested application.

The SAR application is pinned to a semantic version: SAR keeps old versions, so a deploy is repeatable and
an upgrade is a reviewed one-line change. Its IAM policies are limited to this project's and stage's
functions (CloudFormation names them ``<project>-<stage>-<kind>-...``) instead of the app's default ``*``.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_sam as sam
from constructs import Construct

from stacks.project import POWER_TUNING_PREFIX_MAX, power_tuning_prefix
from stacks.stage_config import StageConfig

POWER_TUNING_APPLICATION_ID = "arn:aws:serverlessrepo:us-east-1:451282441545:applications/aws-lambda-power-tuning"
# Newest release in the project's CHANGELOG when pinned (4.4.0, 2025-11-19: Node.js 22 runtime).
POWER_TUNING_VERSION = "4.4.0"
OUTPUT_STATE_MACHINE_ARN = "PowerTuningStateMachineArn"
DEFAULT_POWER_VALUES = (128, 256, 512, 1024, 1536, 2048, 3008)


class PowerTuningStack(cdk.Stack):
    """``PowerTuningStack(app, config.stack_name("power-tuning"), config=config, env=...)``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: StageConfig,
        lambda_resource: str | None = None,
        power_values: tuple[int, ...] = DEFAULT_POWER_VALUES,
        total_execution_timeout_seconds: int = 300,
        log_retention_days: int = 7,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        prefix = power_tuning_prefix(config)
        assert len(prefix) <= POWER_TUNING_PREFIX_MAX, "validated by stacks.project (power_tuning=true)"
        if not 10 <= total_execution_timeout_seconds <= 900:
            raise ValueError("total_execution_timeout_seconds must be 10..900 (the SAR template's limits)")
        if lambda_resource is None:
            # Every function of this project and stage, and its versions/aliases (Power Tuning creates
            # temporary RAM<n> aliases on the function it tunes).
            lambda_resource = cdk.Fn.sub(
                "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
                + f"{config.project_name}-{config.stage}-*"
            )

        app = sam.CfnApplication(
            self,
            "PowerTuning",
            location=sam.CfnApplication.ApplicationLocationProperty(
                application_id=POWER_TUNING_APPLICATION_ID,
                semantic_version=POWER_TUNING_VERSION,
            ),
            parameters={
                "lambdaResource": lambda_resource,
                "PowerValues": ",".join(str(v) for v in power_values),
                "totalExecutionTimeout": str(total_execution_timeout_seconds),
                "logGroupRetentionInDays": str(log_retention_days),
                "stateMachineNamePrefix": prefix,
            },
        )
        cdk.CfnOutput(
            self,
            OUTPUT_STATE_MACHINE_ARN,
            value=app.get_att("Outputs.StateMachineARN").to_string(),
            description="Start an execution with {lambdaARN, num, payload, powerValues, strategy}; see docs/tools.md",
        )
