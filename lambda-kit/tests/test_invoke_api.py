"""Lambda's Invoke API on lambda-kit serve's port, called by boto3's own Lambda client (AWS_ENDPOINT_URL_LAMBDA), on
the fixture's probe function: $LATEST, numbered versions and the alias resolved as Lambda resolves them, the
qualifier as a parameter or in the ARN, X-Amz-Function-Error, X-Amz-Log-Type: Tail, Lambda's own errors."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config

from lambda_kit.local.emulator import ACCOUNT_ID
from tests.served import FIXTURE, Served

REGION = "ap-northeast-1"


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    front = Served(FIXTURE, "--env", "PROBE_MARK=set by serve --env")
    yield front
    front.stop()


@pytest.fixture(scope="module")
def client(served, monkeypatch_module):
    monkeypatch_module.setenv("AWS_ENDPOINT_URL_LAMBDA", served.url)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch_module.setenv(name, value)
    return boto3.Session(region_name=REGION).client("lambda", config=Config(retries={"max_attempts": 1}))


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def probe(served) -> str:
    """The probe function's name in this deployment (``<stack>-<logical id>-<random>``), as serve prints it."""
    line = served.startup("function gateway-probe-ProbeB22986FB-")
    assert line.endswith("(Probe): versions $LATEST, 1, 2; alias live -> 1; concurrency 2"), line
    return "gateway-probe-ProbeB22986FB-" + line.split()[0]


def invoke(client, name: str, document: object = None, **options):
    answer = client.invoke(FunctionName=name, Payload=json.dumps(document or {"hello": "world"}), **options)
    return answer, json.loads(answer["Payload"].read())


def test_latest_numbered_versions_and_the_alias(client, probe):
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{probe}"
    answer, result = invoke(client, probe)
    assert (answer["StatusCode"], answer["ExecutedVersion"]) == (200, "$LATEST")
    assert result == {"event": {"hello": "world"}, "version": "$LATEST", "arn": arn, "mark": "set by serve --env"}
    for qualifier, version in (("1", "1"), ("2", "2"), ("live", "1"), ("$LATEST", "$LATEST")):
        answer, result = invoke(client, probe, Qualifier=qualifier)
        assert answer["ExecutedVersion"] == result["version"] == version
        assert result["arn"] == f"{arn}:{qualifier}"
    answer, result = invoke(client, f"{arn}:live")  # the qualifier in the ARN
    assert (answer["ExecutedVersion"], result["arn"]) == ("1", f"{arn}:live")
    answer, result = invoke(client, f"{ACCOUNT_ID}:function:{probe}:2")  # a partial ARN
    assert answer["ExecutedVersion"] == "2"


def test_what_does_not_exist_is_resource_not_found(client, probe):
    for name, options in ((probe, {"Qualifier": "3"}), (probe, {"Qualifier": "nope"}), ("no-such-function", {})):
        with pytest.raises(client.exceptions.ResourceNotFoundException, match="Function not found"):
            invoke(client, name, **options)
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="qualifier"):
        invoke(client, f"{probe}:live", Qualifier="2")


def test_a_function_error_and_the_log_tail(client, probe):
    answer, error = invoke(client, probe, {"action": "raise"}, LogType="Tail")
    assert answer["FunctionError"] == "Unhandled"
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "asked to fail")
    log = base64.b64decode(answer["LogResult"]).decode()
    assert log.startswith("START RequestId: ") and "probe invoked" in log and "[ERROR] ValueError" in log
    assert re.search(r"END RequestId: \S+\nREPORT RequestId: \S+\tDuration: ", log)
    answer, _ = invoke(client, probe, {"padding": "x" * 8000}, LogType="Tail")
    assert len(base64.b64decode(answer["LogResult"])) <= 4096 and "FunctionError" not in answer


def test_event_and_dry_run_invocations(client, probe):
    assert client.invoke(FunctionName=probe, InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    assert client.invoke(FunctionName=probe, InvocationType="DryRun")["StatusCode"] == 204


def test_lambdas_payload_limits(client, probe):
    with pytest.raises(client.exceptions.RequestTooLargeException):
        client.invoke(FunctionName=probe, Payload=json.dumps({"x": "y" * (6 * 1024 * 1024)}))
    with pytest.raises(client.exceptions.InvalidRequestContentException):
        client.invoke(FunctionName=probe, Payload=b"{not json")


def test_a_function_invokes_a_published_version_by_the_arn_its_environment_names(served, client, probe):
    """What a CodeDeploy pre-traffic hook does: the caller's TARGET_VERSION_ARN is a Ref to the probe's second
    version; serve resolves it to that version's ARN and points the caller's Lambda client at its own Invoke API."""
    line = served.startup("function gateway-probe-Caller")
    caller = "gateway-probe-Caller" + line.split()[0]
    answer, result = invoke(client, caller, {"from": "caller"})
    assert "FunctionError" not in answer, result
    assert result["executed"] == "2" and result["answer"]["version"] == "2"
    assert result["answer"]["arn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{probe}:2"
    assert result["answer"]["event"] == {"from": "caller"}
