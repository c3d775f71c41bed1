"""What every hop derivation reads a template with (``lambda_kit.access.hops``, ``deployment_hops``, ``network_hops``):
the row a hop is, and the stack's template (``StackTemplate``: the resources of a type, a resource's construct path,
what a value refers to, a role's statements)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from lambda_kit.assembly.intrinsics import Resolver

T = TypeVar("T")
ACCOUNT = {"Ref": "AWS::AccountId"}


class Hop(NamedTuple):
    """A hop as its derivation finds it: ``principal`` does ``action`` from ``source`` on ``target``, allowed under
    ``condition``. Its kind is the name of the derivation in ``lambda_kit.access.hops.HOP_KINDS``."""

    source: str
    target: str
    principal: str
    action: str
    condition: str


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class StackTemplate:
    """One stack's template as a derivation reads it: its resources, what a value of it refers to (across the app's
    stacks, through ``resolver``), and the Resolver's reads, all for this stack."""

    resolver: Resolver
    stack: str

    def resource(self, logical_id: str) -> Mapping[str, Any]:
        return self.resolver.resource(self.stack, logical_id)

    def text(self, value: Any) -> str:
        return self.resolver.text(self.stack, value)

    def ref(self, name: str) -> str:
        return self.resolver.ref(self.stack, name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        return self.resolver.get_att(self.stack, logical_id, attribute)

    def refers_to(self, value: Any) -> tuple[str, str] | None:
        return self.resolver.refers_to(self.stack, value)

    def of_type(self, kind: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(logical id, properties) of each resource of type ``kind``."""
        for logical_id, resource in self.resolver.templates[self.stack]["Resources"].items():
            if resource["Type"] == kind:
                yield logical_id, resource.get("Properties", {})

    def path(self, logical_id: str) -> str:
        """The resource's construct path inside its stack (what the docs and reviewers read)."""
        path = self.resource(logical_id).get("Metadata", {}).get("aws:cdk:path", f"{self.stack}/{logical_id}")
        return re.sub(r"/(Resource|Default)$", "", path.split("/", 1)[1])

    def referenced(self, value: Any, kind: str) -> str:
        """The logical id of the resource ``value`` refers to, which must be a ``kind`` of the app."""
        found = self.refers_to(value)
        assert found is not None and self.resolver.resource(*found)["Type"] == kind, (
            f"{self.stack}: {value!r} is not a {kind} of the app"
        )
        return found[1]

    def role_statements(self, role_id: str) -> list[Mapping[str, Any]]:
        """The statements of every policy of this stack attached to the role."""
        return [
            s
            for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
            for _, policy in self.of_type(kind)
            if {"Ref": role_id} in policy.get("Roles", [])
            for s in policy["PolicyDocument"]["Statement"]
        ]


def allows(statement: Mapping[str, Any], principal: Any, actions: set[str]) -> bool:
    return (
        statement["Effect"] == "Allow"
        and statement.get("Principal") == principal
        and set(as_list(statement["Action"])) == actions
    )


def one(found: list[T], what: str) -> T:
    assert len(found) == 1, f"expected exactly one {what}, found {len(found)}: {found}"
    return found[0]
