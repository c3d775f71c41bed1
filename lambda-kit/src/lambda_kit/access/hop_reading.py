"""What every hop derivation reads a template with (``lambda_kit.access.hops``, ``network_hops``): the row a hop is,
the resources of a type, a resource's construct path, what a value refers to, and a role's statements."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple, TypeVar

from lambda_kit.assembly.intrinsics import Resolver

T = TypeVar("T")
ACCOUNT = {"Ref": "AWS::AccountId"}


class Hop(NamedTuple):
    kind: str
    source: str
    target: str
    principal: str
    action: str
    condition: str


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def of_type(r: Resolver, stack: str, kind: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for logical_id, resource in r.templates[stack]["Resources"].items():
        if resource["Type"] == kind:
            yield logical_id, resource.get("Properties", {})


def construct_path(r: Resolver, stack: str, logical_id: str) -> str:
    """The resource's construct path inside its stack (what the docs and reviewers read)."""
    path = r.resource(stack, logical_id).get("Metadata", {}).get("aws:cdk:path", f"{stack}/{logical_id}")
    return re.sub(r"/(Resource|Default)$", "", path.split("/", 1)[1])


def referenced(r: Resolver, stack: str, value: Any, kind: str) -> str:
    found = r.refers_to(stack, value)
    assert found is not None and r.resource(*found)["Type"] == kind, f"{stack}: {value!r} is not a {kind} of the app"
    return found[1]


def allows(statement: Mapping[str, Any], principal: Any, actions: set[str]) -> bool:
    return (
        statement["Effect"] == "Allow"
        and statement.get("Principal") == principal
        and set(as_list(statement["Action"])) == actions
    )


def one(found: list[T], what: str) -> T:
    assert len(found) == 1, f"expected exactly one {what}, found {len(found)}: {found}"
    return found[0]


def role_statements(r: Resolver, stack: str, role_id: str) -> list[Mapping[str, Any]]:
    return [
        s
        for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        for _, policy in of_type(r, stack, kind)
        if {"Ref": role_id} in policy.get("Roles", [])
        for s in policy["PolicyDocument"]["Statement"]
    ]
