"""CodeDeploy traffic shifting on the ``production`` alias, rolled back automatically on alarm.

With provisioned concurrency on the alias, Lambda splits the alias's PC between the two versions by
their weights while a shift is under way (AllocatedProvisionedConcurrentExecutions fluctuates), so the
new version starts with a share of warm environments; traffic beyond its share spills over to on-demand
(cold) environments. The spillover alarm therefore is not a rollback alarm: a healthy canary may spill.
"""

from __future__ import annotations

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_lambda as _lambda
from constructs import Construct

from stacks.config import StageConfig
from stacks.nag import acknowledge

_C = codedeploy.LambdaDeploymentConfig
DEPLOYMENT_CONFIGS = {
    "all_at_once": _C.ALL_AT_ONCE,
    "canary_10_percent_5_minutes": _C.CANARY_10_PERCENT_5_MINUTES,
    "canary_10_percent_30_minutes": _C.CANARY_10_PERCENT_30_MINUTES,
    "linear_10_percent_every_1_minute": _C.LINEAR_10_PERCENT_EVERY_1_MINUTE,
    "linear_10_percent_every_10_minutes": _C.LINEAR_10_PERCENT_EVERY_10_MINUTES,
}


class SafeDeployment(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        alias: _lambda.Alias,
        rollback_alarms: list[cloudwatch.IAlarm],
    ) -> None:
        super().__init__(scope, construct_id)
        self.group = codedeploy.LambdaDeploymentGroup(
            self,
            "DeploymentGroup",
            alias=alias,
            deployment_config=DEPLOYMENT_CONFIGS[config.deployment],
            alarms=rollback_alarms,
            auto_rollback=codedeploy.AutoRollbackConfig(failed_deployment=True, deployment_in_alarm=True),
        )
        acknowledge(
            self.group,
            "AWSCodeDeployRoleForLambdaLimited is the AWS-maintained least-privilege policy "
            "for Lambda deployments (alias update + invoking hooks); a hand-written copy would drift.",
            "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSCodeDeployRoleForLambdaLimited]",
        )
