"""The orders function's role as IAM evaluates it (tests/infra/iam_reading.py), in a stage's synthesized
templates, with example values for what a deployment fills in: the environment names its resources."""

from __future__ import annotations

from lambda_kit.access.iam_reading import Permissions, function_permissions

from stacks.service_stack import ORDERS
from tests.infra.conftest import Synth

PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "ap-northeast-1", "AWS::AccountId": "123456789012"}
SECRET_ARN = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:orders-receipt-key-AbCdEf"
ENVIRONMENT = {"TABLE_NAME": "orders-test", "CONFIG_BUCKET": "config-test", "RECEIPT_SECRET_ARN": SECRET_ARN}


def orders_role(synth: Synth, stage: str) -> Permissions:
    return function_permissions(
        synth.templates,
        synth.config(stage).stack_name("service"),
        ORDERS.handler,
        environment=ENVIRONMENT,
        pseudo=PSEUDO,
    )
