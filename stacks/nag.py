"""cdk-nag 3.x: the AwsSolutions and Serverless rule packs run as CDK policy-validation plugins.

Any finding that is neither fixed nor acknowledged makes `cdk synth` (and the infra tests) fail. Each
acknowledgment names the exact finding (rule id plus its `[...]` detail where nag gives one) and sits
next to the construct it is about, with a reason a reviewer can check.
"""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from constructs import IConstruct


def add_nag_checks(app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))


def acknowledge(scope: IConstruct, reason: str, *finding_ids: str) -> None:
    """Acknowledge findings on ``scope`` and everything below it, for one reason."""
    cdk.Validations.of(scope).acknowledge(*(cdk.Acknowledgment(id=f, reason=reason) for f in finding_ids))


def finding_arn_prefix(scope: IConstruct, service: str) -> str:
    """How cdk-nag writes an ARN built from the stack's partition, region and account in a finding's detail:
    the known ones resolved, the deploy-time account as ``<AWS::AccountId>``."""
    region = cdk.Stack.of(scope).region
    return f"arn:{partition_of(region)}:{service}:{region}:<AWS::AccountId>"


def partition_of(region: str) -> str:
    # CDK resolves the partition when the region is known; nag's finding id carries the literal.
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def finding_ref(resource: cdk.CfnElement) -> str:
    """How cdk-nag writes a reference to a resource of the stack in a finding's detail: ``<LogicalId>``."""
    return f"<{cdk.Stack.of(resource).get_logical_id(resource)}>"
