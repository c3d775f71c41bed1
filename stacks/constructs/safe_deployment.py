"""CodeDeploy traffic shifting on the ``production`` alias, after a pre-traffic hook, rolled back automatically on alarm.

Before any traffic shifts, CodeDeploy invokes the function's pre-traffic hook (``stacks/constructs/pre_traffic_hook.py``),
which runs the function's smoke cases against the new version: a failed case stops the deployment with the old
version still taking all the traffic. While traffic shifts, the rollback alarms decide (``monitoring.py``).

With provisioned concurrency on the alias, Lambda splits the alias's PC between the two versions by
their weights while a shift is under way (AllocatedProvisionedConcurrentExecutions fluctuates), so the
new version starts with a share of warm environments; traffic beyond its share spills over to on-demand
(cold) environments. The spillover alarm therefore is not a rollback alarm: a healthy canary may spill.

Each function's CodeDeploy role is our own, not ``AWSCodeDeployRoleForLambdaLimited``: that managed policy allows
``lambda:UpdateAlias`` on every function of the account (and S3 reads, and the invocation of any function named
``CodeDeployHook_*``). Here a role holds the managed policy's Lambda and CloudWatch actions, scoped to its function, that function's
alias and its rollback alarms, and the invocation of its own hook; CodeDeploy may assume it only for this
application's deployment groups in this account (aws:SourceAccount / aws:SourceArn, as CodeDeploy's confused-deputy
guide recommends).
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as _lambda
from constructs import Construct

from stacks.constructs.api_function import ApiFunction, StageFunctions
from stacks.constructs.confused_deputy import for_this_account
from stacks.constructs.pre_traffic_hook import PreTrafficHook
from stacks.data_resources import DataResources

_C = codedeploy.LambdaDeploymentConfig
DEPLOYMENT_CONFIGS = {
    "all_at_once": _C.ALL_AT_ONCE,
    "canary_10_percent_5_minutes": _C.CANARY_10_PERCENT_5_MINUTES,
    "canary_10_percent_30_minutes": _C.CANARY_10_PERCENT_30_MINUTES,
    "linear_10_percent_every_1_minute": _C.LINEAR_10_PERCENT_EVERY_1_MINUTE,
    "linear_10_percent_every_10_minutes": _C.LINEAR_10_PERCENT_EVERY_10_MINUTES,
}
# How long each configuration keeps the two versions side by side, in minutes: the window in which the new version's
# error alarm looks for any error (all at once: the one minute of the switch).
SHIFT_MINUTES = {
    "all_at_once": 1,
    "canary_10_percent_5_minutes": 5,
    "canary_10_percent_30_minutes": 30,
    "linear_10_percent_every_1_minute": 10,
    "linear_10_percent_every_10_minutes": 100,
}


class SafeDeployment(Construct):
    """One CodeDeploy application; per API function a deployment group on its alias, its pre-traffic hook and a
    service role for it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: StageFunctions,
        rollback_alarms: Sequence[Sequence[cloudwatch.IAlarm]],  # per function, in the order of ``functions``
        data: DataResources,
        common_layer: _lambda.ILayerVersion,
    ) -> None:
        super().__init__(scope, construct_id)
        self.application = codedeploy.LambdaApplication(self, "Application")
        self.groups = [
            self._deployment_group(functions, function, alarms, data, common_layer)
            for function, alarms in zip(functions, rollback_alarms, strict=True)
        ]

    def _deployment_group(
        self,
        functions: StageFunctions,
        function: ApiFunction,
        rollback_alarms: Sequence[cloudwatch.IAlarm],
        data: DataResources,
        common_layer: _lambda.ILayerVersion,
    ) -> codedeploy.LambdaDeploymentGroup:
        hook = PreTrafficHook(
            self,
            functions.resource_id(function, "PreTrafficHook"),
            function=function,
            config=functions.config,
            data=data,
            common_layer=common_layer,
        )
        role = self._service_role(
            functions.resource_id(function, "ServiceRole"), function, rollback_alarms, hook.function
        )
        return codedeploy.LambdaDeploymentGroup(
            self,
            functions.resource_id(function, "DeploymentGroup"),
            application=self.application,
            alias=function.alias,
            deployment_config=DEPLOYMENT_CONFIGS[functions.config.deployment],
            alarms=list(rollback_alarms),
            auto_rollback=codedeploy.AutoRollbackConfig(failed_deployment=True, deployment_in_alarm=True),
            # The group would attach AWSCodeDeployRoleForLambdaLimited to any role it is given, and grant it the
            # invocation of the hook: this view of our role ignores both, so the role keeps exactly the policy below.
            role=role.without_policy_updates(),
            # BeforeAllowTraffic; CDK grants the hook PutLifecycleEventHookExecutionStatus on this group only.
            pre_hook=hook.function,
        )

    def _service_role(
        self,
        role_id: str,
        function: ApiFunction,
        rollback_alarms: Sequence[cloudwatch.IAlarm],
        hook: _lambda.IFunction,
    ) -> iam.Role:
        stack = cdk.Stack.of(self)
        group_arns = stack.format_arn(
            service="codedeploy",
            resource="deploymentgroup",
            resource_name=f"{self.application.application_name}/*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        role = iam.Role(
            self,
            role_id,
            assumed_by=iam.ServicePrincipal("codedeploy.amazonaws.com", conditions=for_this_account(self, group_arns)),
            description=f"CodeDeploy: shift the {function.spec.name} alias, read its rollback alarms, invoke its hook",
        )
        alias = function.alias
        # Lambda authorizes alias calls against the function's ARN, PC reads against the alias's (the Service
        # Authorization Reference's resource types "function" and "function alias"): both, nothing else.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"],
                resources=[function.function.function_arn, alias.function_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:DescribeAlarms"], resources=[alarm.alarm_arn for alarm in rollback_alarms]
            )
        )
        # What the group's own grant would have added (dropped with without_policy_updates): its hook, nothing else.
        role.add_to_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[hook.function_arn]))
        return role
