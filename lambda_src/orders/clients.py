"""AWS clients, built once per execution environment (module scope of the handler) and reused.

Bare botocore low-level clients, not ``boto3.resource`` as in the seed: the resource layer loads an
extra JSON model per service and builds classes at run time, all on the cold-start path, for no
benefit to a function that makes two kinds of calls (see ``python -m local.bench``). botocore reads
``AWS_REGION``/``AWS_DEFAULT_REGION``, credentials and ``AWS_ENDPOINT_URL`` from the environment as
boto3 would.
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config
from botocore.session import Session

# "standard" retry mode: retries throttling and transient errors with exponential backoff and jitter,
# up to 3 attempts, under a client-side retry quota that stops retry storms; the default "legacy" mode
# retries fewer error kinds and has no quota. Timeouts well under API Gateway's 29 s limit, so a
# stuck connection is retried or reported instead of eating the whole request budget.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=2,
    read_timeout=5,
)


def create_clients(config: Config = CLIENT_CONFIG) -> tuple[Any, Any]:
    """(s3, dynamodb) clients sharing one botocore session (one credential and model loader)."""
    session = Session()
    return session.create_client("s3", config=config), session.create_client("dynamodb", config=config)
