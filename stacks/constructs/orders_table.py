"""The ``orders`` DynamoDB table."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from stacks.stage_config import StageConfig

# The runtime writes it (lambda_src/orders/repository.py, EXPIRES_AT_ATTRIBUTE; tests/infra checks they agree).
EXPIRES_AT_ATTRIBUTE = "expires_at"


class OrdersTable(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        # No explicit table name: CloudFormation derives one from the stack, so stages and forks never
        # collide and a replacement never fails on a taken name.
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="order_id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # DynamoDB deletes an item (at no cost, within days) once the expiry it carries has passed. On in every
            # stage: with order_retention_days every order carries one, without it only the pre-traffic hook's smoke
            # orders do (the backstop should the hook's cleanup not run; stacks/data_resources.py).
            time_to_live_attribute=EXPIRES_AT_ATTRIBUTE,
            deletion_protection=config.is_retained,
            removal_policy=cdk.RemovalPolicy.RETAIN if config.is_retained else cdk.RemovalPolicy.DESTROY,
        )
