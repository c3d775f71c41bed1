"""CodeDeploy traffic shifting on the ``production`` alias, rolled back automatically on alarm.

With provisioned concurrency on the alias, Lambda splits the alias's PC between the two versions by
their weights while a shift is under way (AllocatedProvisionedConcurrentExecutions fluctuates), so the
new version starts with a share of warm environments; traffic beyond its share spills over to on-demand
(cold) environments. The spillover alarm therefore is not a rollback alarm: a healthy canary may spill.

CodeDeploy's role is our own, not ``AWSCodeDeployRoleForLambdaLimited``: that managed policy allows
``lambda:UpdateAlias`` on every function of the account (and S3 reads and hook invocations this group never
uses). Here it holds the managed policy's Lambda and CloudWatch actions, scoped to this function, its alias and
the rollback alarms, and CodeDeploy may assume it only for this application's deployment groups in this account
(aws:SourceAccount / aws:SourceArn, as CodeDeploy's confused-deputy guide recommends).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as _lambda
from constructs import Construct

from stacks.stage_config import StageConfig

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
        self.application = codedeploy.LambdaApplication(self, "Application")
        self.role = self._service_role(alias, rollback_alarms)
        self.group = codedeploy.LambdaDeploymentGroup(
            self,
            "DeploymentGroup",
            application=self.application,
            alias=alias,
            deployment_config=DEPLOYMENT_CONFIGS[config.deployment],
            alarms=rollback_alarms,
            auto_rollback=codedeploy.AutoRollbackConfig(failed_deployment=True, deployment_in_alarm=True),
            # The group would attach AWSCodeDeployRoleForLambdaLimited to any role it is given: this view of
            # our role ignores that, so the role keeps exactly the policy below.
            role=self.role.without_policy_updates(),
        )

    def _service_role(self, alias: _lambda.Alias, rollback_alarms: list[cloudwatch.IAlarm]) -> iam.Role:
        stack = cdk.Stack.of(self)
        group_arns = stack.format_arn(
            service="codedeploy",
            resource="deploymentgroup",
            resource_name=f"{self.application.application_name}/*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        role = iam.Role(
            self,
            "ServiceRole",
            assumed_by=iam.ServicePrincipal(
                "codedeploy.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": group_arns},
                },
            ),
            description="CodeDeploy: shift the orders alias, read its rollback alarms",
        )
        function_arn = alias.version.lambda_.function_arn
        # Lambda authorizes alias calls against the function's ARN, PC reads against the alias's (the Service
        # Authorization Reference's resource types "function" and "function alias"): both, nothing else.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"],
                resources=[function_arn, alias.function_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:DescribeAlarms"], resources=[alarm.alarm_arn for alarm in rollback_alarms]
            )
        )
        return role
