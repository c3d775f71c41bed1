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
