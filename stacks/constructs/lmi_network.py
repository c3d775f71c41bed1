"""The network of a managed-instances stage: the capacity provider's VPC and subnets, its instances' security group,
and the route out of them.

On Lambda Managed Instances the VPC is the capacity provider's, not the function's, and everything the function sends
out (DynamoDB, S3, Secrets Manager, X-Ray, and its logs to CloudWatch Logs) leaves through the instances' network
interfaces: without a route out the function has neither logs nor AWS access. The stage chooses the route
(``lmi_egress``): ``endpoints``, private subnets with no route to the internet at all and a VPC endpoint for each
service the functions call (``stacks/constructs/service_endpoints.py``), or ``nat``, a NAT gateway per zone. The
S3 and DynamoDB gateway endpoints cost nothing and are there in both.

A new VPC has one private subnet in each of the three zones the stage names (the stacks are environment-agnostic:
CDK cannot look zones up) and its flow logs in a stage log group. An existing VPC (``lmi_vpc_id``) is imported from
the ids the stage gives; its flow logs, like the VPC, are its owner's.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.constructs.confused_deputy import for_this_account
from stacks.constructs.log_retention import stage_log_group
from stacks.stage_config import StageConfig

HTTPS = ec2.Port.tcp(443)
SUBNET_NAME = "Instances"


class LmiNetwork(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.vpc = self._existing_vpc() if config.lmi_vpc_id else self._new_vpc()
        self.subnets = self.vpc.select_subnets(subnet_group_name=SUBNET_NAME).subnets
        # Egress only: nothing connects to the instances (Lambda's routers reach them its own way). Every AWS API is
        # HTTPS; with lmi_egress="endpoints" the subnets' routes lead nowhere but the endpoints.
        self.security_group = ec2.SecurityGroup(
            self,
            "InstancesSecurityGroup",
            vpc=self.vpc,
            allow_all_outbound=False,
            description=f"{config.project_name} {config.stage} capacity provider instances: HTTPS out, nothing in",
        )
        self.security_group.add_egress_rule(ec2.Peer.any_ipv4(), HTTPS, "HTTPS to AWS APIs (endpoints, or NAT)")

    @property
    def uses_endpoints(self) -> bool:
        return self.config.lmi_egress == "endpoints"

    @property
    def owns_routes(self) -> bool:
        """Whether the stage may add routes (gateway endpoints) to the subnets' route tables: a new VPC's, or an
        existing one's with ``endpoints`` (its route tables named in the stage)."""
        return self.config.lmi_vpc_id is None or self.uses_endpoints

    def _new_vpc(self) -> ec2.Vpc:
        config = self.config
        instances = ec2.SubnetConfiguration(
            name=SUBNET_NAME,
            subnet_type=ec2.SubnetType.PRIVATE_ISOLATED if self.uses_endpoints else ec2.SubnetType.PRIVATE_WITH_EGRESS,
            cidr_mask=20,
        )
        # The NAT gateways' subnets: their elastic IPs are the only public addresses; nothing launched there gets one.
        public = ec2.SubnetConfiguration(
            name="Nat", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=26, map_public_ip_on_launch=False
        )
        vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr("10.0.0.0/16"),
            availability_zones=list(config.lmi_availability_zones),
            # One NAT gateway per zone: a zone's instances keep their way out when another zone fails.
            nat_gateways=0 if self.uses_endpoints else len(config.lmi_availability_zones),
            subnet_configuration=[instances] if self.uses_endpoints else [public, instances],
        )
        ec2.FlowLog(
            self,
            "FlowLog",
            resource_type=ec2.FlowLogResourceType.from_vpc(vpc),
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                stage_log_group(self, "FlowLogs", config=config), self._flow_log_role()
            ),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
        return vpc

    def _flow_log_role(self) -> iam.Role:
        """The role the flow-log service writes with (CDK grants it the log group), assumable for this account's flow
        logs only, as the VPC guide's confused-deputy advice has it."""
        stack = cdk.Stack.of(self)
        flow_logs = stack.format_arn(service="ec2", resource="vpc-flow-log", resource_name="*")
        return iam.Role(
            self,
            "FlowLogRole",
            assumed_by=iam.ServicePrincipal(
                "vpc-flow-logs.amazonaws.com", conditions=for_this_account(self, flow_logs)
            ),
            description=f"VPC flow logs of the {self.config.stage} capacity provider VPC into its log group",
        )

    def _existing_vpc(self) -> ec2.IVpc:
        config = self.config
        assert config.lmi_vpc_id is not None
        return ec2.Vpc.from_vpc_attributes(
            self,
            "Vpc",
            vpc_id=config.lmi_vpc_id,
            availability_zones=list(config.lmi_availability_zones),
            private_subnet_ids=list(config.lmi_subnet_ids),
            private_subnet_names=[SUBNET_NAME],
            private_subnet_route_table_ids=list(config.lmi_route_table_ids) or None,
        )
