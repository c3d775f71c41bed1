"""tests/infra/iam_reading.py on hand-written templates and hand-written call lists (marked as such): ARNs
resolved through Fn::GetStackOutput / Fn::Join with the function's environment, wildcard expansion from IAM's
action list, botocore operations mapped to IAM actions, Deny and conditions, and compare() both ways."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_kit.access.iam_reading import (
    Call,
    Grant,
    Permissions,
    Request,
    Unreadable,
    compare,
    conditions_hold,
    expand_action,
    function_permissions,
    iam_requests,
)

PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "ap-northeast-1", "AWS::AccountId": "123456789012"}
ENV = {
    "TABLE_NAME": "orders-1a2b",
    "CONFIG_BUCKET": "config-1a2b",
    "RECEIPT_SECRET_ARN": "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:key-AbCdEf",
}
TABLE_ARN = "arn:aws:dynamodb:ap-northeast-1:123456789012:table/orders-1a2b"
CONFIG_ARN = "arn:aws:s3:::config-1a2b/config.json"


def _output(stack: str, name: str) -> dict[str, Any]:
    return {"Fn::GetStackOutput": {"StackName": stack, "OutputName": name}}


def templates(statements: list[dict[str, Any]], *, role: dict[str, Any] | None = None) -> dict[str, Any]:
    """Hand-written: the shape CDK synthesizes for this app (a data stack exporting through outputs, a service
    stack whose function reads them), reduced to what the reader needs."""
    data = {
        "Resources": {
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {}},
        },
        "Outputs": {
            "TableName": {"Value": {"Ref": "Table"}},
            "TableArn": {"Value": {"Fn::GetAtt": ["Table", "Arn"]}},
            "BucketName": {"Value": {"Ref": "Bucket"}},
            "BucketArn": {"Value": {"Fn::GetAtt": ["Bucket", "Arn"]}},
            "SecretRef": {"Value": {"Ref": "Secret"}},
        },
    }
    service = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Handler": "orders.handler.lambda_handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Environment": {
                        "Variables": {
                            "TABLE_NAME": _output("app-data", "TableName"),
                            "CONFIG_BUCKET": _output("app-data", "BucketName"),
                            "RECEIPT_SECRET_ARN": _output("app-data", "SecretRef"),
                            "CONFIG_KEY": "config.json",
                        }
                    },
                },
            },
            "Role": {"Type": "AWS::IAM::Role", "Properties": role or {}},
            "LogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
            "Policy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {"Roles": [{"Ref": "Role"}], "PolicyDocument": {"Statement": statements}},
            },
        }
    }
    return {"app-data": data, "app-service": service}


ORDERS_STATEMENTS: list[dict[str, Any]] = [
    {
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {"Fn::GetAtt": ["LogGroup", "Arn"]},
    },
    {
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
        "Resource": _output("app-data", "TableArn"),
    },
    {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": _output("app-data", "SecretRef")},
    {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": {"Fn::Join": ["", [_output("app-data", "BucketArn"), "/config.json"]]},
    },
]
# Hand-written: the calls the orders code makes (until the integration tests' recorder supplies them).
CODE_CALLS = [
    Call("s3", "GetObject", {"Bucket": "config-1a2b", "Key": "config.json"}),
    Call("dynamodb", "PutItem", {"TableName": "orders-1a2b"}),
    Call("dynamodb", "GetItem", {"TableName": "orders-1a2b"}),
    Call("secretsmanager", "GetSecretValue", {"SecretId": ENV["RECEIPT_SECRET_ARN"]}),
]


def permissions(statements: list[dict[str, Any]], **kwargs: Any) -> Permissions:
    return function_permissions(
        templates(statements, **kwargs), "app-service", "orders.handler.lambda_handler", environment=ENV, pseudo=PSEUDO
    )


def test_resources_resolve_through_stack_outputs_joins_and_the_environment() -> None:
    assert permissions(ORDERS_STATEMENTS).allowed_per_resource() == {
        "arn:aws:logs:ap-northeast-1:123456789012:log-group:${app-service/LogGroup}:*": [
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ],
        CONFIG_ARN: ["s3:GetObject"],
        TABLE_ARN: ["dynamodb:GetItem", "dynamodb:PutItem"],
        ENV["RECEIPT_SECRET_ARN"]: ["secretsmanager:GetSecretValue"],
    }


def test_the_orders_calls_match_the_orders_role_exactly() -> None:
    assert compare(CODE_CALLS, permissions(ORDERS_STATEMENTS)) == ([], [])


def test_environment_patterns_bind_every_test_table() -> None:
    # The integration tests make a table and a bucket per test: bind the role to their name patterns.
    patterns = {"TABLE_NAME": "orders-*", "CONFIG_BUCKET": "config-*", "RECEIPT_SECRET_ARN": ENV["RECEIPT_SECRET_ARN"]}
    allowed = function_permissions(
        templates(ORDERS_STATEMENTS),
        "app-service",
        "orders.handler.lambda_handler",
        environment=patterns,
        pseudo=PSEUDO,
    )
    calls = [
        Call("dynamodb", "PutItem", {"TableName": "orders-1a2b"}),
        Call("dynamodb", "GetItem", {"TableName": "orders-9f9f"}),
        Call("s3", "GetObject", {"Bucket": "config-9f9f", "Key": "config.json"}),
        Call("secretsmanager", "GetSecretValue", {"SecretId": ENV["RECEIPT_SECRET_ARN"]}),
        Call("dynamodb", "PutItem", {"TableName": "audit-1a2b"}),  # not an orders table
    ]
    not_allowed, never_used = compare(calls, allowed)
    assert [r.resource for r in not_allowed] == ["arn:aws:dynamodb:ap-northeast-1:123456789012:table/audit-1a2b"]
    assert never_used == []


def test_a_call_the_role_does_not_allow_and_a_grant_no_call_uses() -> None:
    statements = [
        *ORDERS_STATEMENTS,
        # What secret.grant_read adds: DescribeSecret, which the code never calls.
        {"Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": _output("app-data", "SecretRef")},
    ]
    calls = [*CODE_CALLS, Call("dynamodb", "DeleteItem", {"TableName": "orders-1a2b"})]
    not_allowed, never_used = compare(calls, permissions(statements))
    assert [(r.action, r.resource) for r in not_allowed] == [("dynamodb:DeleteItem", TABLE_ARN)]
    assert never_used == [Grant("secretsmanager:DescribeSecret", ENV["RECEIPT_SECRET_ARN"])]


def test_a_call_on_another_resource_is_not_allowed() -> None:
    not_allowed, _ = compare(
        [Call("s3", "GetObject", {"Bucket": "config-1a2b", "Key": "other.json"})], permissions(ORDERS_STATEMENTS)
    )
    assert [r.resource for r in not_allowed] == ["arn:aws:s3:::config-1a2b/other.json"]


def test_grant_wildcards_expand_to_iam_actions() -> None:
    # CDK's bucket.grant_read gives s3:GetObject*, s3:GetBucket*, s3:List*.
    get_object = expand_action("s3:GetObject*")
    assert {"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectAcl"} <= set(get_object)
    assert "s3:PutObject" not in get_object and all(a.startswith("s3:GetObject") for a in get_object)
    assert "s3:ListBucket" in expand_action("s3:List*")
    assert expand_action("dynamodb:getitem") == ["dynamodb:GetItem"]  # IAM matches actions case-insensitively
    with pytest.raises(Unreadable, match="matches no IAM action"):
        expand_action("dynamodb:GetItems")
    with pytest.raises(Unreadable, match="no IAM service"):
        expand_action("dynamo:GetItem")


def test_wildcard_grant_is_listed_per_action_and_used_ones_are_not_reported() -> None:
    statements = [{"Effect": "Allow", "Action": "s3:GetObject*", "Resource": "arn:aws:s3:::config-1a2b/*"}]
    _, never_used = compare([CODE_CALLS[0]], permissions(statements))
    unused = {g.action for g in never_used}
    assert "s3:GetObject" not in unused and "s3:GetObjectVersion" in unused


@pytest.mark.parametrize(
    ("call", "action", "resource"),
    [
        (Call("s3", "GetObject", {"Bucket": "b", "Key": "k"}), "s3:GetObject", "arn:aws:s3:::b/k"),
        (Call("s3", "HeadObject", {"Bucket": "b", "Key": "k"}), "s3:GetObject", "arn:aws:s3:::b/k"),
        (
            Call("s3", "GetObject", {"Bucket": "b", "Key": "k", "VersionId": "v1"}),
            "s3:GetObjectVersion",
            "arn:aws:s3:::b/k",
        ),
        (Call("s3", "ListObjectsV2", {"Bucket": "b"}), "s3:ListBucket", "arn:aws:s3:::b"),
        (Call("s3", "PutObject", {"Bucket": "b", "Key": "k"}), "s3:PutObject", "arn:aws:s3:::b/k"),
        (
            Call("dynamodb", "PutItem", {"TableName": "t"}),
            "dynamodb:PutItem",
            "arn:aws:dynamodb:ap-northeast-1:123456789012:table/t",
        ),
        (Call("dynamodb", "Query", {"TableName": TABLE_ARN}), "dynamodb:Query", TABLE_ARN),
        (
            Call("secretsmanager", "GetSecretValue", {"SecretId": ENV["RECEIPT_SECRET_ARN"]}),
            "secretsmanager:GetSecretValue",
            ENV["RECEIPT_SECRET_ARN"],
        ),
    ],
)
def test_botocore_operations_map_to_iam_actions(call: Call, action: str, resource: str) -> None:
    assert iam_requests(call, PSEUDO) == [Request(action, resource, call)]


def test_recorder_lines_are_read() -> None:
    record = {"service": "dynamodb", "operation": "PutItem", "params": {"TableName": "t"}}
    assert Call.from_record(record) == Call("dynamodb", "PutItem", {"TableName": "t"})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (Call("secretsmanager", "GetSecretValue", {"SecretId": "key"}), "without its ARN"),
        (Call("sqs", "SendMessage", {"QueueUrl": "q"}), "no resource known"),
        (Call("s3", "GetObjectz", {"Bucket": "b"}), "IAM has no action s3:GetObjectz"),
    ],
)
def test_calls_that_cannot_be_mapped_are_refused(call: Call, message: str) -> None:
    with pytest.raises(Unreadable, match=message):
        iam_requests(call, PSEUDO)


def test_explicit_deny_wins() -> None:
    deny: dict[str, Any] = {"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"}
    statements = [*ORDERS_STATEMENTS, deny]
    not_allowed, _ = compare(CODE_CALLS, permissions(statements))
    assert {r.action for r in not_allowed} == {"dynamodb:GetItem", "dynamodb:PutItem"}


def test_managed_policies_are_refused_not_guessed() -> None:
    role = {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]}
    with pytest.raises(Unreadable, match="managed policies"):
        permissions(ORDERS_STATEMENTS, role=role)


def test_conditional_grant_needs_its_condition() -> None:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "dynamodb:GetItem",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
    allowed = permissions([statement])
    request = iam_requests(CODE_CALLS[2], PSEUDO)[0]
    assert not allowed.allows_request(request)  # the key is absent: the condition fails
    assert allowed.allows_request(request, {"aws:SecureTransport": True})


@pytest.mark.parametrize(
    ("conditions", "context", "holds"),
    [
        ({"StringEquals": {"aws:SourceAccount": ["1", "2"]}}, {"aws:SourceAccount": "2"}, True),
        ({"StringEquals": {"aws:SourceAccount": ["1"]}}, {"aws:SourceAccount": "2"}, False),
        ({"StringNotEquals": {"k": ["1", "2"]}}, {"k": "2"}, False),
        ({"StringLike": {"k": ["arn:*:thing"]}}, {"k": "arn:x:thing"}, True),
        (
            {"ArnLike": {"aws:SourceArn": ["arn:aws:cloudwatch:*:1:alarm:*"]}},
            {"aws:SourceArn": "arn:aws:cloudwatch:r:1:alarm:a"},
            True,
        ),
        ({"StringEqualsIfExists": {"k": ["1"]}}, {}, True),
        ({"StringEquals": {"k": ["1"]}}, {}, False),
        ({"Null": {"k": ["true"]}}, {}, True),
        ({"Null": {"k": ["true"]}}, {"k": "x"}, False),
        # dynamodb:LeadingKeys: the partition keys a request names (one for DeleteItem, several for a batch).
        (
            {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["__smoke-*"]}},
            {"dynamodb:LeadingKeys": ["__smoke-d-1"]},
            True,
        ),
        (
            {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["__smoke-*"]}},
            {"dynamodb:LeadingKeys": ["o-1"]},
            False,
        ),
        (
            {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["__smoke-*"]}},
            {"dynamodb:LeadingKeys": ["__smoke-d-1", "o-1"]},
            False,
        ),
        ({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["__smoke-*"]}}, {}, True),  # IAM: no values, no veto
        ({"ForAnyValue:StringEquals": {"k": ["a"]}}, {"k": ["b", "a"]}, True),
        ({"ForAnyValue:StringEquals": {"k": ["a"]}}, {}, False),
    ],
)
def test_condition_operators(conditions: Any, context: Any, holds: bool) -> None:
    assert conditions_hold(conditions, context) is holds


def test_unknown_condition_operator_is_refused() -> None:
    with pytest.raises(Unreadable, match="DateGreaterThan"):
        conditions_hold({"DateGreaterThan": {"aws:CurrentTime": ["2026-01-01"]}}, {"aws:CurrentTime": "x"})
    with pytest.raises(Unreadable, match="negated set operator"):
        conditions_hold({"ForAllValues:StringNotLike": {"k": ["a*"]}}, {"k": ["b"]})
