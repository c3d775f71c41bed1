"""Lambda entry point: ``orders.handler.lambda_handler``.

Everything at module scope runs once per execution environment (init); with ``import`` of only
what is used, init stays close to the floor of botocore itself (``python -m local.bench``).
"""

from __future__ import annotations

from common import tracing
from common.config_cache import TtlCache, s3_json_object_loader
from common.logging import setup_logger
from common.utils import utc_now
from orders.app import OrdersApp
from orders.clients import create_clients
from orders.config import OrderLimits
from orders.repository import OrderRepository
from orders.routes import Dependencies
from orders.settings import Settings

logger = setup_logger("orders")
settings = Settings.from_env()  # a missing TABLE_NAME / CONFIG_BUCKET fails init, naming it
tracing.init()  # before the clients exist, so their calls are traced from the first one
s3, dynamodb = create_clients()

_load_config = s3_json_object_loader(s3, settings.config_bucket, settings.config_key)
app = OrdersApp(
    Dependencies(
        limits=TtlCache(lambda: OrderLimits.from_document(_load_config()), settings.config_ttl_seconds),
        repository=OrderRepository(dynamodb, settings.table_name),
        clock=utc_now,
    ),
    logger,
)


def lambda_handler(event, context):
    return app.handle(event, context)
