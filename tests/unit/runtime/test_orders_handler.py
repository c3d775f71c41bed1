"""The entry point (orders/handler.py) imported in-process the way Lambda's init runs it: settings from the
environment, clients built once, ``lambda_handler`` answering through them, and the SnapStart after-restore hook
run by awslambdaric's own hooks runner.

AWS is moto in-process (``mock_aws``): the handler builds its own clients, which moto answers without a network.
Each test imports the module afresh and takes it out of ``sys.modules`` afterwards, with the runtime's hook
registry as it was: nothing leaks into other tests.
"""

from __future__ import annotations

import importlib
import json
import logging
import random
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from awslambdaric.lambda_runtime_hooks_runner import run_after_restore
from lambda_kit.local.emulator import fake_credentials_env
from moto import mock_aws
from snapshot_restore_py import get_after_restore

from common.utils import MissingEnvironmentVariable
from orders.receipts import receipt_signature
from tests.orders_local import REGION, provision
from tests.unit.runtime.orders_service import body_of, get, lambda_context, order_request, post
from tests.unit.runtime.stubbed import offline_client

TABLE, BUCKET, SECRET_VALUE = "orders-handler-test", "config-handler-test", "receipt-key-1"


class Account:
    """The emulated account: the data stack's table, bucket (config.json) and receipt secret."""

    def __init__(self) -> None:
        self.s3, self.dynamodb = offline_client("s3"), offline_client("dynamodb")
        provision("", table_name=TABLE, bucket=BUCKET, aws_clients=(self.s3, self.dynamodb))
        secrets = offline_client("secretsmanager")
        self.secret_arn = secrets.create_secret(Name="receipt", SecretString=SECRET_VALUE)["ARN"]

    def put_config(self, document: dict[str, Any]) -> None:
        self.s3.put_object(Bucket=BUCKET, Key="config.json", Body=json.dumps(document))

    def items(self) -> list[dict[str, Any]]:
        return self.dynamodb.scan(TableName=TABLE, ConsistentRead=True)["Items"]


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    with pytest.MonkeyPatch.context() as env, mock_aws():
        for name, value in fake_credentials_env(REGION).items():
            env.setenv(name, value)
        env.delenv("AWS_ENDPOINT_URL", raising=False)
        yield Account()


@pytest.fixture
def load_handler(
    account: Account, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., ModuleType]]:
    """Import orders.handler with the function's environment (plus ``env``): Lambda's init."""
    hooks = get_after_restore()
    before = list(hooks)
    hooks.clear()
    for name in ("RECEIPT_SECRET_ARN", "CONFIG_KEY", "CONFIG_TTL_SECONDS", "LAMBDA_TASK_ROOT", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    account.put_config({"max_items_per_order": 25})

    def load(**env: str) -> ModuleType:
        for name, value in {"TABLE_NAME": TABLE, "CONFIG_BUCKET": BUCKET, **env}.items():
            monkeypatch.setenv(name, value)
        sys.modules.pop("orders.handler", None)
        return importlib.import_module("orders.handler")  # its logger writes to the captured stdout

    yield load
    sys.modules.pop("orders.handler", None)
    hooks[:] = before
    logging.getLogger("orders").handlers.clear()  # its stream was this test's captured stdout


def logs(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_init_reads_the_environment_and_lambda_handler_answers_through_its_clients(
    load_handler: Callable[..., ModuleType], account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = load_handler(RECEIPT_SECRET_ARN=account.secret_arn)
    created = handler.lambda_handler(post(order_request("h-1", 2)), lambda_context("request-1"))
    assert created["statusCode"] == 201
    body = body_of(created)
    receipt = body.pop("receipt")  # signed with the secret's value, read through the secrets client
    assert receipt == receipt_signature(SECRET_VALUE, body)
    assert {"S": "h-1"} in [item["order_id"] for item in account.items()]  # written to the configured table
    assert body_of(handler.lambda_handler(get("h-1"), lambda_context("request-2")))["receipt"] == receipt
    handled = [entry for entry in logs(capsys) if entry["message"] == "request handled"]
    assert [(entry["request_id"], entry["status_code"]) for entry in handled] == [
        ("request-1", 201),
        ("request-2", 200),
    ]


def test_a_missing_setting_fails_init_naming_it(load_handler: Callable[..., ModuleType]) -> None:
    with pytest.raises(MissingEnvironmentVariable, match="CONFIG_BUCKET"):
        load_handler(CONFIG_BUCKET=" ")


def test_after_a_snapstart_restore_the_app_is_rebuilt_with_fresh_caches_and_random_state(
    load_handler: Callable[..., ModuleType], account: Account
) -> None:
    handler = load_handler()
    two_items = order_request("h-3", 1, 1)
    assert handler.lambda_handler(post(two_items), lambda_context())["statusCode"] == 201  # the config read and cached
    account.put_config({"max_items_per_order": 1})
    assert handler.lambda_handler(post(two_items), lambda_context())["statusCode"] == 200  # still cached: a replay
    random.seed(0)  # the state every environment restored from one snapshot would share
    snapshot_sequence = random.Random(0).random()

    run_after_restore()  # what awslambdaric does in each restored environment

    assert random.random() != snapshot_sequence
    response = handler.lambda_handler(post(order_request("h-4", 1, 1)), lambda_context())
    assert (response["statusCode"], body_of(response)) == (400, {"error": "items: at most 1 items per order"})
