"""The receipt-signing key: a secret the function reads at run time through a TTL cache.
Only its ARN is in the function's environment, never its value."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.nag import acknowledge
from stacks.stage_config import StageConfig


class ReceiptSigningSecret(Construct):
    """The HMAC key the orders function signs order receipts with. Stateful (data stack): redeploying
    or destroying the service stack never loses it, and prod retains it."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            description=f"{config.project_name} {config.stage}: HMAC key for order receipts",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=48, exclude_punctuation=True),
            removal_policy=cdk.RemovalPolicy.RETAIN if config.is_retained else cdk.RemovalPolicy.DESTROY,
        )
        acknowledge(
            self.secret,
            "Rotating a signing key invalidates receipts already handed out unless every "
            "verifier accepts the previous key too; rotation is a planned operator step "
            "(put-secret-value, verifiers also try AWSPREVIOUS), picked up by the function's TTL cache.",
            "AwsSolutions::AwsSolutions-SMG4",
        )
