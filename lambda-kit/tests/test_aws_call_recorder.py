"""The runtime's AWS call log (``LOCAL_AWS_CALL_LOG``): its botocore hooks on a real client against moto server, and
in a function process of the fixture app, where the calls of init and of an invocation are told apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.session import Session

from lambda_kit.local.emulator import MotoServer, admin_client, free_port
from lambda_kit.local.local_app import LocalApp
from lambda_kit.local.runtime_dir.aws_call_recorder import HOOKS, LOG_ENV
from tests.served import FIXTURE


@pytest.fixture
def call_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "calls.jsonl"
    monkeypatch.setenv(LOG_ENV, str(path))
    return path


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


def recording_client(endpoint_url: str, service: str) -> Any:
    session = Session()
    for event, hook in HOOKS:
        session.register(event, hook)
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=1)
    return session.create_client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


def test_each_answered_call_is_one_line_with_its_error_code(call_log: Path, moto: MotoServer) -> None:
    admin = admin_client(moto.endpoint_url, "dynamodb")
    admin.create_table(
        TableName="calls",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb = recording_client(moto.endpoint_url, "dynamodb")
    item = {"k": {"S": "one"}}
    dynamodb.put_item(TableName="calls", Item=item, ConditionExpression="attribute_not_exists(k)")
    with pytest.raises(ClientError):
        dynamodb.put_item(TableName="calls", Item=item, ConditionExpression="attribute_not_exists(k)")
    first, second = read(call_log)
    assert first == {
        "service": "dynamodb",
        "operation": "PutItem",
        "params": {"TableName": "calls"},
        "pid": first["pid"],
    }
    assert second["error"] == "ConditionalCheckFailedException" and "trace_id" not in second  # no invocation here


def test_a_call_that_got_no_answer_is_recorded_with_the_exception(call_log: Path) -> None:
    s3 = recording_client(f"http://127.0.0.1:{free_port()}", "s3")  # nothing listens there
    with pytest.raises(EndpointConnectionError):
        s3.get_object(Bucket="b", Key="k")
    [call] = read(call_log)
    assert (call["operation"], call["params"], call["error"]) == (
        "GetObject",
        {"Bucket": "b", "Key": "k"},
        "EndpointConnectionError",
    )


def test_a_function_process_records_its_init_calls_and_its_invocations_trace(call_log: Path, moto: MotoServer) -> None:
    with (
        LocalApp(FIXTURE, ["shop-dev-service"], moto=moto) as local,
        local.environment(local.model.find("Shop")) as process,
    ):
        invocation = process.invoke({"routeKey": "GET /items/{id}", "pathParameters": {"id": "none"}})
        pids = process.worker_pids()
    init_get, init_secret, get_item = read(call_log)
    # The module's own calls at init carry no trace (no invocation runs); the handler's carries its invocation's.
    assert (init_get["operation"], init_secret["operation"]) == ("GetObject", "GetSecretValue")
    assert "trace_id" not in init_get and "trace_id" not in init_secret
    assert get_item["operation"] == "GetItem" and get_item["trace_id"] == invocation.trace_id
    assert {call["pid"] for call in (init_get, init_secret, get_item)} == set(pids)
