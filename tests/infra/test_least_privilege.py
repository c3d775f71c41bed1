"""The orders function's role as IAM evaluates it, per stage, against the calls the function makes.

The calls below are hand-written (the four calls of lambda_src/orders: config read, conditional put, get,
secret read) until the integration tests' recorder (LOCAL_AWS_CALL_LOG) supplies the recorded ones; the
comparison itself is tests/infra/iam_reading.py and does not change."""

from __future__ import annotations

import pytest

from stacks.service_stack import ORDERS
from tests.infra.conftest import STAGES, Synth
from tests.infra.iam_reading import PLATFORM_ACTIONS, Call, compare, function_permissions

PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "ap-northeast-1", "AWS::AccountId": "123456789012"}
SECRET_ARN = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:orders-receipt-key-AbCdEf"
ENVIRONMENT = {"TABLE_NAME": "orders-test", "CONFIG_BUCKET": "config-test", "RECEIPT_SECRET_ARN": SECRET_ARN}
# Hand-written: what lambda_src/orders calls (orders.app / routes / repository / common.secrets).
CODE_CALLS = [
    Call("s3", "GetObject", {"Bucket": "config-test", "Key": "config.json"}),
    Call("dynamodb", "PutItem", {"TableName": "orders-test"}),
    Call("dynamodb", "GetItem", {"TableName": "orders-test"}),
    Call("secretsmanager", "GetSecretValue", {"SecretId": SECRET_ARN}),
]


def orders_role(synth: Synth, stage: str):
    return function_permissions(
        synth.templates,
        synth.config(stage).stack_name("service"),
        ORDERS.handler,
        environment=ENVIRONMENT,
        pseudo=PSEUDO,
    )


@pytest.mark.parametrize("stage", STAGES)
def test_orders_role_allows_exactly_these_actions_per_resource(synth: Synth, stage: str) -> None:
    log_group = f"${{{synth.config(stage).stack_name('service')}/OrdersLogGroupE26395F1}}"
    assert orders_role(synth, stage).allowed_per_resource() == {
        "*": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
        "arn:aws:dynamodb:ap-northeast-1:123456789012:table/orders-test": ["dynamodb:GetItem", "dynamodb:PutItem"],
        f"arn:aws:logs:ap-northeast-1:123456789012:log-group:{log_group}:*": [
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ],
        "arn:aws:s3:::config-test/config.json": ["s3:GetObject"],
        SECRET_ARN: ["secretsmanager:GetSecretValue"],
    }
    assert orders_role(synth, stage).denies == ()


@pytest.mark.parametrize("stage", STAGES)
def test_every_call_is_allowed_and_every_grant_is_used(synth: Synth, stage: str) -> None:
    not_allowed, never_used = compare(CODE_CALLS, orders_role(synth, stage))
    assert not_allowed == []
    assert never_used == []  # DescribeSecret (secret.grant_read) would show up here
    # The grants the code never calls are Lambda's own log and trace delivery, and only those.
    platform = {g.action for g in orders_role(synth, stage).allows if g.action in PLATFORM_ACTIONS}
    assert platform == set(PLATFORM_ACTIONS)
