"""Stateful resources: the orders table and the config bucket. Protected in prod; the service stack
can be destroyed and recreated without touching them."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from stacks.config import StageConfig
from stacks.constructs.config_bucket import ConfigBucket
from stacks.constructs.orders_table import OrdersTable


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.table = OrdersTable(self, "Orders", config=config).table
        config_bucket = ConfigBucket(self, "Config", config=config)
        self.config_bucket = config_bucket.bucket
        self.config_key = config_bucket.config_key
