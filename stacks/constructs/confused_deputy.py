"""The conditions that keep an AWS service acting for this account's resources only: IAM's confused-deputy guidance
asks for aws:SourceAccount and, where the service sets it, aws:SourceArn on every service principal's statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from constructs import IConstruct


def for_this_account(scope: IConstruct, source_arn: str | Sequence[str] | None = None) -> dict[str, Any]:
    """The statement's or trust policy's conditions: this account, and the resources whose calls it accepts."""
    conditions: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": cdk.Stack.of(scope).account}}
    if source_arn is not None:
        conditions["ArnLike"] = {"aws:SourceArn": source_arn if isinstance(source_arn, str) else list(source_arn)}
    return conditions
