"""The capacity provider of a managed-instances stage (``cold_start_strategy="managed-instances"``): its network
(``lmi_network.py``), the EC2 instances it may run (the stage's architecture, the instance types it allows or excludes,
``max_v_cpu_count`` from ``stacks/managed_instances_rules.py``, scaling by Lambda or on a CPU target), its operator
role and its system logs. Every API function of the stage is attached to it (``attach``), then the VPC endpoints
its instances need are derived from the roles that act from them (``route_out``).

One provider for the service stack's functions: a capacity provider is the security boundary on LMI (functions on
one provider share instances, separated by containers only), and the functions of this service trust each other.

The operator role is our own rather than CDK's default: AWS's AWSLambdaManagedEC2ResourceOperator (the EC2 actions
Lambda needs, on resources tagged as managed by ``scaler.lambda.amazonaws.com``), assumable by Lambda for this
account only (aws:SourceAccount), and the provider's log group, since without ``logs:`` permissions Lambda drops the
provider's system logs without an error.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as _lambda
from constructs import Construct

from stacks.constructs.confused_deputy import for_this_account
from stacks.constructs.function_runtime import ARCHITECTURES
from stacks.constructs.lmi_network import LmiNetwork
from stacks.constructs.log_retention import stage_log_group
from stacks.constructs.service_endpoints import ServiceEndpoints
from stacks.managed_instances_rules import sizing
from stacks.nag import acknowledge
from stacks.stage_config import StageConfig

OPERATOR_POLICY = "AWSLambdaManagedEC2ResourceOperator"


class ManagedInstances(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.network = LmiNetwork(self, "Network", config=config)
        self.log_group = stage_log_group(self, "ProviderLogs", config=config)
        self.operator_role = self._operator_role()
        types = [ec2.InstanceType(name) for name in config.lmi_instance_types]
        excluded = [ec2.InstanceType(name) for name in config.lmi_excluded_instance_types]
        target = config.lmi_scaling_cpu_target_percent
        self.provider = _lambda.CapacityProvider(
            self,
            "Provider",
            subnets=self.network.subnets,
            security_groups=[self.network.security_group],
            operator_role=self.operator_role,
            architectures=[ARCHITECTURES[config.architecture]],
            instance_type_filter=_lambda.InstanceTypeFilter.allow(types)
            if types
            else _lambda.InstanceTypeFilter.exclude(excluded)
            if excluded
            else None,
            max_v_cpu_count=sizing(config).max_v_cpu_count,
            scaling_options=_lambda.ScalingOptions.manual([_lambda.TargetTrackingScalingPolicy.cpu_utilization(target)])
            if target is not None
            else _lambda.ScalingOptions.auto(),
            log_group=self.log_group,
        )
        # The operator role's policy is in place before Lambda assumes it to launch the instances.
        self.provider.node.add_dependency(self.operator_role)

    def version_options(self) -> _lambda.VersionOptions:
        """Every version an attached function publishes: its minimum and maximum environments, and deleted once the
        alias has moved on (a version keeps its minimum environments running: a retained one would keep paying for
        them, and take the vCPUs the next deploy's version needs)."""
        return _lambda.VersionOptions(
            min_execution_environments=self.config.lmi_min_environments,
            max_execution_environments=self.config.lmi_max_environments,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )

    def attach(self, function: _lambda.Function) -> None:
        """Run ``function`` on this provider: as many concurrent requests per environment as the stage says, its
        memory in vCPUs of the stage's ratio. Only the versions its alias points at run: no ``$LATEST.PUBLISHED``
        (which would keep another 3 environments for invocations nobody makes)."""
        self.provider.add_function(
            function,
            per_execution_environment_max_concurrency=self.config.lmi_max_concurrency,
            execution_environment_memory_gib_per_v_cpu=self.config.lmi_memory_gib_per_vcpu,
            publish_to_latest_published=False,
        )

    def route_out(self, function_roles: Sequence[iam.IRole]) -> ServiceEndpoints:
        """The VPC endpoints for what these roles (the attached functions') and the operator role call."""
        return ServiceEndpoints(
            self,
            "Endpoints",
            network=self.network,
            roles=[*function_roles, self.operator_role],
            owner=f"stage {self.config.stage!r}",
        )

    def _operator_role(self) -> iam.Role:
        role = iam.Role(
            self,
            "OperatorRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com", conditions=for_this_account(self)),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(OPERATOR_POLICY)],
            description=f"Lambda: run the {self.config.stage} capacity provider's EC2 instances, write its system logs",
        )
        self.log_group.grant_write(role)
        role.add_to_policy(
            iam.PolicyStatement(actions=["logs:CreateLogGroup"], resources=[self.log_group.log_group_arn])
        )
        acknowledge(
            role,
            "AWSLambdaManagedEC2ResourceOperator is what AWS documents for the operator role and keeps current as LMI "
            "evolves; its EC2 writes are conditioned on ec2:ManagedResourceOperator = scaler.lambda.amazonaws.com, its "
            "reads (Describe*) have no resource-level permissions.",
            "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/" + OPERATOR_POLICY + "]",
        )
        return role
