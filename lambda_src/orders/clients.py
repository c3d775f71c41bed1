"""AWS clients, built once per execution environment (module scope of the handler) and reused.

Bare botocore low-level clients, not ``boto3.resource`` as in the seed: the resource layer loads an
extra JSON model per service and builds classes at run time, all on the cold-start path, for no
benefit to a function that makes two kinds of calls (see ``python -m local.bench``). botocore reads
``AWS_REGION``/``AWS_DEFAULT_REGION``, credentials and ``AWS_ENDPOINT_URL`` from the environment as
boto3 would.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from botocore.config import Config
from botocore.session import Session

# "standard" retry mode: retries throttling and transient errors with exponential backoff and jitter,
# 3 attempts in all, under a client-side retry quota that stops retry storms; the default "legacy" mode
# retries fewer error kinds and has no quota. Timeouts well under API Gateway's 29 s limit, so a
# stuck connection is retried or reported instead of eating the whole request budget.
CLIENT_CONFIG = Config(
    # total_max_attempts counts the first try; the retries dict's "max_attempts" would count retries
    # only (3 -> 4 attempts).
    retries={"mode": "standard", "total_max_attempts": 3},
    connect_timeout=2,
    read_timeout=5,
)


class Clients(NamedTuple):
    s3: Any
    dynamodb: Any
    secretsmanager: Any | None  # only when a secret is configured: each client's model costs init time


def create_clients(config: Config = CLIENT_CONFIG, *, secrets: bool = False) -> Clients:
    """The clients, sharing one botocore session (one credential and model loader)."""
    session = Session()
    return Clients(
        s3=session.create_client("s3", config=config),
        dynamodb=session.create_client("dynamodb", config=config),
        secretsmanager=session.create_client("secretsmanager", config=config) if secrets else None,
    )
