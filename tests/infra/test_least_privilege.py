"""The orders function's role as IAM evaluates it, per stage: exactly these actions on these resources, no Deny.
That the code calls each of them, and nothing else, is tests/integration/test_least_privilege.py (recorded calls)."""

from __future__ import annotations

import pytest

from tests.infra.conftest import STAGES, Synth
from tests.infra.orders_role import SECRET_ARN, orders_role


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
