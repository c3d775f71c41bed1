"""A moto server for the whole session, over real HTTP; fresh table and bucket names per test."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.config import Config
from botocore.session import Session

from common.logging import setup_logger
from local.emulator import REGION, MotoServer, clients, fake_credentials_env, provision
from orders.app import OrdersApp, build_app
from orders.clients import CLIENT_CONFIG
from orders.settings import Settings


@pytest.fixture(scope="session")
def moto_server():
    with MotoServer() as server:
        yield server


@pytest.fixture(scope="session")
def aws(moto_server):
    """Admin (s3, dynamodb) clients on the emulator."""
    return clients(moto_server.endpoint_url)


@dataclass
class Stack:
    """One test's table and bucket, and helpers to look at them."""

    endpoint: str
    table: str
    bucket: str
    s3: Any
    dynamodb: Any

    def put_config(self, document: Any) -> None:
        body = document if isinstance(document, (bytes, str)) else json.dumps(document)
        self.s3.put_object(Bucket=self.bucket, Key="config.json", Body=body)

    def delete_config(self) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key="config.json")

    def items(self) -> list[dict[str, Any]]:
        return self.dynamodb.scan(TableName=self.table, ConsistentRead=True)["Items"]


@pytest.fixture
def stack(moto_server, aws) -> Stack:
    suffix = uuid.uuid4().hex[:12]
    table, bucket = f"orders-{suffix}", f"config-{suffix}"
    provision(moto_server.endpoint_url, table_name=table, bucket=bucket, aws_clients=aws)
    return Stack(moto_server.endpoint_url, table, bucket, *aws)


class App:
    """The function's app wired as handler.py wires it, on clients pointed at the emulator."""

    def __init__(self, app: OrdersApp, log: io.StringIO) -> None:
        self._app, self._log = app, log

    def __call__(self, event: Any) -> dict[str, Any]:
        return self._app.handle(event, _Context())

    def logs(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self._log.getvalue().splitlines()]


class _Context:
    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())


@pytest.fixture(scope="session")
def botocore_session() -> Session:
    """One session for all the apps' clients: it caches the service models (~100 ms per new session)."""
    return Session()


@pytest.fixture
def make_app(stack, botocore_session) -> Callable[..., App]:
    def make(
        ttl: float = 300.0,
        dynamodb_endpoint: str | None = None,
        config: Config = CLIENT_CONFIG,
        receipt_secret_arn: str | None = None,
        **build_options: Any,
    ) -> App:
        creds = fake_credentials_env()
        session = botocore_session
        kwargs = dict(
            region_name=REGION,
            aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=creds["AWS_SESSION_TOKEN"],
            config=config,
        )
        s3 = session.create_client("s3", endpoint_url=stack.endpoint, **kwargs)
        dynamodb = session.create_client("dynamodb", endpoint_url=dynamodb_endpoint or stack.endpoint, **kwargs)
        log = io.StringIO()
        logger = setup_logger(f"orders-test-{uuid.uuid4().hex[:8]}", level=logging.INFO, stream=log)
        settings = Settings(
            table_name=stack.table,
            config_bucket=stack.bucket,
            config_ttl_seconds=ttl,
            receipt_secret_arn=receipt_secret_arn,
        )
        if receipt_secret_arn:
            build_options["secrets_client"] = session.create_client(
                "secretsmanager", endpoint_url=stack.endpoint, **kwargs
            )
        return App(build_app(settings, s3, dynamodb, logger, **build_options), log)

    return make


@pytest.fixture
def app(make_app) -> App:
    return make_app()


class FakeMonotonic:
    """A monotonic clock the test moves: TTL expiry without sleeping, immune to a slow machine."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()
