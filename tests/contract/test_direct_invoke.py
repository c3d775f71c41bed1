"""Lambda's Invoke API, as boto3 calls it: an event from another source fails the invocation, naming the source (the
source then retries or dead-letters it; a returned 404 would count as a success). Locally through `make serve`'s Invoke
API (``AWS_ENDPOINT_URL_LAMBDA`` semantics: the same port), deployed through Lambda itself; the same events as
tests/integration/test_lambda_process.py sends one environment directly."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from lambda_kit.local.emulator import fake_credentials_env

from tests.orders_local import OTHER_SOURCES, REGION, SOURCE_EVENTS


@pytest.fixture(scope="session")
def lambda_client(served):
    _, _, invoker = served
    if invoker.function is None:
        pytest.skip("the deployed stage's function is not named (lambda-kit e2e sets CONTRACT_FUNCTION_NAME)")
    if invoker.endpoint_url is None:
        return boto3.client("lambda"), invoker
    credentials = fake_credentials_env(REGION)
    session = boto3.Session(
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    return session.client("lambda", endpoint_url=invoker.endpoint_url), invoker


@pytest.mark.parametrize("fixture, source", OTHER_SOURCES)
def test_an_event_from_another_source_fails_the_invocation(lambda_client, fixture, source):
    client, invoker = lambda_client
    answer = client.invoke(
        FunctionName=invoker.function,
        Qualifier=invoker.qualifier,
        Payload=(SOURCE_EVENTS / fixture).read_bytes(),
        LogType="Tail",
    )
    error = json.loads(answer["Payload"].read())
    assert answer["StatusCode"] == 200 and answer["FunctionError"] == "Unhandled"
    assert error["errorType"] == "UnsupportedEvent" and f"got an event from {source}" in error["errorMessage"]
    log = base64.b64decode(answer["LogResult"]).decode()
    if invoker.log_format == "JSON":  # the runtime's error record and Lambda's report, both naming the request
        records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        [logged] = [r for r in records if r.get("errorType") == "UnsupportedEvent"]
        [report] = [r["record"] for r in records if r.get("type") == "platform.report"]
        assert logged["errorMessage"] == error["errorMessage"] and logged["requestId"] == report["requestId"]
        assert (report["status"], report["errorType"]) == ("error", "UnsupportedEvent")
    else:
        assert f"[ERROR] UnsupportedEvent: {error['errorMessage']}" in log and "REPORT RequestId: " in log
