"""Lambda entry point: ``orders.handler.lambda_handler``.

Module scope runs once per execution environment (init, billed on on-demand cold starts): only the
imports the function uses, clients built once and reused by every invocation. It stays close to the
floor of bare botocore (``python -m local.bench``).
"""

from __future__ import annotations

import random
from typing import Any

from common import tracing
from common.logging import setup_logger
from common.snapstart import after_restore
from orders.app import OrdersApp, build_app
from orders.clients import create_clients
from orders.settings import Settings

logger = setup_logger("orders")
settings = Settings.from_env()  # a missing TABLE_NAME / CONFIG_BUCKET fails init, naming it
tracing.init()  # patch botocore before the clients exist, so every AWS call is a subsegment


def _build() -> OrdersApp:
    clients = create_clients(secrets=settings.receipt_secret_arn is not None)
    return build_app(settings, clients.s3, clients.dynamodb, logger, secrets_client=clients.secretsmanager)


app = _build()


@after_restore
def _refresh_after_snapstart_restore() -> None:
    """SnapStart: every environment resumes from one snapshot of init. Rebuild what must not be shared
    or has gone stale: clients (credentials resolved at init, pooled connections) and the TTL caches
    (their monotonic-clock deadlines were taken before the snapshot), and reseed ``random``."""
    global app
    random.seed()
    app = _build()


@tracing.handler  # otel: each invocation a server span, the counterpart of the function segment Lambda writes
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    return app.handle(event, context)
