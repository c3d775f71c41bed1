"""What the data stack hands the service stack: every stateful resource an API function may use, as one typed
object, and what reading or writing each one means in IAM actions and environment variables.

An API function names the resources it uses and the access it needs (``data_access`` in its spec,
``stacks/constructs/api_function.py``); its role then holds exactly those actions, and its environment exactly
those variables. The actions are the calls this project's code makes (``tests/infra/test_least_privilege.py``
compares them): a fork whose function queries the table adds ``dynamodb:Query`` to ``Table.ACTIONS``.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol, get_type_hints

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as _lambda
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager

from stacks.smoke_cases import SMOKE_ID_PREFIX
from stacks.stage_config import StageConfig


class Access(enum.Flag):
    READ = enum.auto()
    WRITE = enum.auto()


READ, WRITE = Access.READ, Access.WRITE
READ_WRITE = READ | WRITE


class DataResource(Protocol):
    ACTIONS: ClassVar[Mapping[Access, tuple[str, ...]]]

    def grant(self, function: _lambda.Function, actions: list[str]) -> None: ...

    def environment(self, access: Access, config: StageConfig) -> dict[str, str]: ...


def actions_for(resource: DataResource, access: Access) -> list[str]:
    """The IAM actions ``access`` means for ``resource`` (access_problem has checked it is supported)."""
    return [action for level, actions in resource.ACTIONS.items() if level in access for action in actions]


@dataclass(frozen=True)
class Table:
    table: dynamodb.ITable
    name_variable: str
    # Writers stamp each item's expiry (the table's TTL attribute) this many days ahead, when the stage sets
    # order_retention_days.
    retention_variable: str | None = None
    # Writers give the pre-traffic hook's smoke items (keys under this prefix) a one-day expiry in every stage: the
    # backstop should the hook's own cleanup not run.
    smoke_prefix_variable: str | None = None

    ACTIONS: ClassVar[Mapping[Access, tuple[str, ...]]] = {
        READ: ("dynamodb:GetItem",),
        WRITE: ("dynamodb:PutItem",),  # a conditional put: the request's order id must be new
    }

    def grant(self, function: _lambda.Function, actions: list[str]) -> None:
        self.table.grant(function, *actions)

    def environment(self, access: Access, config: StageConfig) -> dict[str, str]:
        variables = {self.name_variable: self.table.table_name}
        if self.retention_variable and WRITE in access and config.order_retention_days:
            variables[self.retention_variable] = str(config.order_retention_days)
        if self.smoke_prefix_variable and WRITE in access:
            variables[self.smoke_prefix_variable] = SMOKE_ID_PREFIX
        return variables


@dataclass(frozen=True)
class ConfigObject:
    """The runtime config document (``config/config.json`` in the config bucket), read through the runtime's TTL
    cache (``common/config_cache.py``) every ``config_ttl_seconds``."""

    bucket: s3.IBucket
    key: str

    # No s3:ListBucket, so a missing object reads as AccessDenied rather than NoSuchKey; the handler treats both
    # as 503.
    ACTIONS: ClassVar[Mapping[Access, tuple[str, ...]]] = {READ: ("s3:GetObject",)}

    def grant(self, function: _lambda.Function, actions: list[str]) -> None:
        function.add_to_role_policy(
            iam.PolicyStatement(actions=actions, resources=[self.bucket.arn_for_objects(self.key)])
        )

    def environment(self, access: Access, config: StageConfig) -> dict[str, str]:
        return {
            "CONFIG_BUCKET": self.bucket.bucket_name,
            "CONFIG_KEY": self.key,
            "CONFIG_TTL_SECONDS": str(config.config_ttl_seconds),
        }


@dataclass(frozen=True)
class Secret:
    """A secret whose ARN (never its value) is in the environment; the value is fetched at run time through a TTL
    cache."""

    secret: secretsmanager.ISecret
    arn_variable: str

    # Not secret.grant_read: it adds DescribeSecret, which the code never calls (tests/infra/iam_reading.py compares
    # the role with the calls). Secrets Manager's AWS-managed key encrypts it: no kms grant needed.
    ACTIONS: ClassVar[Mapping[Access, tuple[str, ...]]] = {READ: ("secretsmanager:GetSecretValue",)}

    def grant(self, function: _lambda.Function, actions: list[str]) -> None:
        function.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=[self.secret.secret_arn]))

    def environment(self, access: Access, config: StageConfig) -> dict[str, str]:
        return {self.arn_variable: self.secret.secret_arn}


@dataclass(frozen=True)
class DataResources:
    """Built by the data stack (``DataStack.resources``); a function's ``data_access`` names these fields."""

    orders_table: Table
    config: ConfigObject
    receipt_secret: Secret

    def named(self, name: str) -> DataResource:
        resource: DataResource = getattr(self, name)
        return resource


def access_problem(name: str, access: Access) -> str | None:
    """What is wrong with asking for ``access`` to the data resource ``name``, or None."""
    kinds: dict[str, type[DataResource]] = get_type_hints(DataResources)
    if name not in kinds:
        guess = difflib.get_close_matches(name, list(kinds), n=1)
        hint = f"did you mean {guess[0]!r}?" if guess else f"the data stack has {', '.join(kinds)}"
        return f"{name!r} is no data resource: {hint}"
    kind = kinds[name]
    missing = [level for level in (READ, WRITE) if level in access and level not in kind.ACTIONS]
    if missing:
        allowed = " and ".join(str(level.name) for level in kind.ACTIONS)
        return f"{name} ({kind.__name__}) allows {allowed} access, not {' and '.join(str(m.name) for m in missing)}"
    return None
