"""The VPC endpoints a managed-instances stage needs, read from the grants of the roles that act from its instances
(each API function's, and the capacity provider's operator role for its system logs): never a hand-written list.

Every service an action of those roles' policies names gets an endpoint: S3 and DynamoDB a gateway endpoint (free, a
route in the subnets' route tables), the others an interface endpoint with private DNS (billed per zone and hour),
reachable on 443 from the instances' security group only. So CloudWatch Logs and X-Ray have theirs, as the functions'
logs and traces leave through the instances too. With ``lmi_egress="nat"`` only the free gateway endpoints are added
(they keep S3 and DynamoDB traffic off the NAT gateways' per-GB charge).

Each endpoint's policy allows exactly what the roles' statements allow on that service, to principals of this
account: a credential from elsewhere, or a resource of this service the app does not use (another account's bucket),
goes nowhere through it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.constructs.lmi_network import HTTPS, LmiNetwork
from stacks.naming import function_id

GATEWAY_SERVICES: Mapping[str, ec2.GatewayVpcEndpointAwsService] = {
    "s3": ec2.GatewayVpcEndpointAwsService.S3,
    "dynamodb": ec2.GatewayVpcEndpointAwsService.DYNAMODB,
}
# IAM service prefix -> the interface endpoint's service name (com.amazonaws.<region>.<name>), where AWS has one.
INTERFACE_SERVICES: Mapping[str, str] = {
    "logs": "logs",
    "xray": "xray",
    "secretsmanager": "secretsmanager",
    "kms": "kms",
    "ssm": "ssm",
    "sqs": "sqs",
    "sns": "sns",
    "sts": "sts",
    "lambda": "lambda",
    "states": "states",
    "events": "events",
    "cloudwatch": "monitoring",
}


def statements_by_service(roles: Iterable[iam.IRole]) -> dict[str, list[dict[str, Any]]]:
    """The Allow statements of the roles' own policies, by the IAM service prefix of their actions, in order."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for role in roles:
        policy = role.node.try_find_child("DefaultPolicy")
        if not isinstance(policy, iam.Policy):
            continue
        for statement in policy.document.to_json()["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for service in dict.fromkeys(action.split(":", 1)[0] for action in actions):
                found[service].append({**statement, "Action": [a for a in actions if a.startswith(f"{service}:")]})
    return dict(found)


class ServiceEndpoints(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, network: LmiNetwork, roles: Sequence[iam.IRole], owner: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.endpoints: dict[str, ec2.GatewayVpcEndpoint | ec2.InterfaceVpcEndpoint] = {}
        services = statements_by_service(roles)
        unknown = sorted(s for s in services if s not in GATEWAY_SERVICES and s not in INTERFACE_SERVICES)
        if network.uses_endpoints and unknown:
            raise ValueError(
                f"{owner}: the roles acting from the capacity provider's instances call {unknown}, for which "
                "stacks/constructs/service_endpoints.py knows no VPC endpoint: add it to INTERFACE_SERVICES, or set "
                "lmi_egress='nat'"
            )
        interface_group = None
        for service, statements in sorted(services.items()):
            if service in GATEWAY_SERVICES and network.owns_routes:
                endpoint: ec2.GatewayVpcEndpoint | ec2.InterfaceVpcEndpoint = ec2.GatewayVpcEndpoint(
                    self,
                    function_id(service),
                    vpc=network.vpc,
                    service=GATEWAY_SERVICES[service],
                    subnets=[ec2.SubnetSelection(subnets=network.subnets)],
                )
            elif service in INTERFACE_SERVICES and network.uses_endpoints:
                if interface_group is None:
                    interface_group = self._interface_security_group(network)
                endpoint = ec2.InterfaceVpcEndpoint(
                    self,
                    function_id(service),
                    vpc=network.vpc,
                    service=ec2.InterfaceVpcEndpointAwsService(INTERFACE_SERVICES[service]),
                    subnets=ec2.SubnetSelection(subnets=network.subnets),
                    security_groups=[interface_group],
                    open=False,
                    private_dns_enabled=True,
                )
            else:
                continue
            for statement in statements:
                endpoint.add_to_policy(_for_this_account(statement))
            self.endpoints[service] = endpoint

    def _interface_security_group(self, network: LmiNetwork) -> ec2.SecurityGroup:
        group = ec2.SecurityGroup(
            self,
            "InterfaceSecurityGroup",
            vpc=network.vpc,
            allow_all_outbound=False,
            description="Interface endpoints: HTTPS from the capacity provider instances only",
        )
        group.add_ingress_rule(network.security_group, HTTPS, "HTTPS from the capacity provider instances")
        return group


def _for_this_account(statement: Mapping[str, Any]) -> iam.PolicyStatement:
    """The role's statement as an endpoint policy statement: the same actions and resources, for this account's
    principals."""
    endpoint_statement = iam.PolicyStatement.from_json({k: v for k, v in statement.items() if k != "Sid"})
    endpoint_statement.add_any_principal()
    endpoint_statement.add_condition("StringEquals", {"aws:PrincipalAccount": cdk.Aws.ACCOUNT_ID})
    return endpoint_statement
