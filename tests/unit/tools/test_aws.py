"""Target resolution from stack outputs (names and regions from cdk.json), payload loading, error messages."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.stub import Stubber

from stacks import naming
from stacks.project import load_project
from tests.unit.tools import fixtures as fx
from tools.aws import (
    DEFAULT_PAYLOAD,
    ToolError,
    add_common_args,
    add_target_args,
    describe_error,
    load_payload,
    resolve_region,
    resolve_target,
    session_for,
)

PROJECT = load_project()  # what cdk.json says: a fork's name and added stages


def outputs(**extra: str) -> dict[str, Any]:
    outs = {naming.OUTPUT_FUNCTION_NAME: fx.FUNCTION, naming.OUTPUT_ALIAS_NAME: "production", **extra}
    return {
        "Stacks": [
            {
                "StackName": "s",
                "CreationTime": "2026-11-28T00:00:00Z",
                "StackStatus": "CREATE_COMPLETE",
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outs.items()],
            }
        ]
    }


def test_function_name_needs_no_api_call() -> None:
    t = resolve_target(None, function_name="f", stack=None, stage=None)
    assert (t.function_name, t.alias, t.stack) == ("f", "production", None)


@pytest.mark.parametrize("stage", list(PROJECT.stages))
def test_stage_resolves_through_the_service_stack_outputs(stage: str) -> None:
    # The stack the app deploys for this stage, in this checkout's project (cdk.json), also in a fork.
    service = PROJECT.stage(stage).stack_name("service")
    parser = argparse.ArgumentParser()
    add_target_args(parser)
    args = parser.parse_args(["--stage", stage])
    cfn = fx.cfn_client()
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", outputs(), {"StackName": service})
        t = resolve_target(cfn, function_name=None, stack=None, stage=args.stage, project=args.project)
        stub.assert_no_pending_responses()
    assert (t.function_name, t.alias, t.stack) == (fx.FUNCTION, "production", service)


def test_region_from_flag_then_environment_then_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    parser = argparse.ArgumentParser()
    add_target_args(parser)
    add_common_args(parser)
    prod_region = PROJECT.stage("prod").region
    assert session_for(parser.parse_args(["--stage", "prod"])).region_name == prod_region
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert resolve_region(None, "prod") == "eu-west-1"
    monkeypatch.setenv("AWS_REGION", "us-east-2")  # the docs' `export AWS_REGION=...`; botocore alone ignores it
    assert session_for(parser.parse_args(["--stage", "prod"])).region_name == "us-east-2"
    assert session_for(parser.parse_args(["--stage", "prod", "--region", "us-west-2"])).region_name == "us-west-2"


def test_explicit_stack_and_project() -> None:
    cfn = fx.cfn_client()
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", outputs(), {"StackName": "shop-dev-service"})
        t = resolve_target(cfn, function_name=None, stack=None, stage="dev", project="shop", alias="blue")
    assert t.alias == "blue"
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", outputs(), {"StackName": "custom"})
        assert resolve_target(cfn, function_name=None, stack="custom", stage=None).stack == "custom"


def test_missing_stack_and_missing_output() -> None:
    cfn = fx.cfn_client()
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "describe_stacks",
            service_error_code="ValidationError",
            service_message=f"Stack with id {PROJECT.stage('dev').stack_name('service')} does not exist",
        )
        with pytest.raises(ToolError, match=f"stack not found: {PROJECT.stage('dev').stack_name('service')}"):
            resolve_target(cfn, function_name=None, stack=None, stage="dev")
    bad = outputs()
    bad["Stacks"][0]["Outputs"] = []
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", bad)
        with pytest.raises(ToolError, match=naming.OUTPUT_FUNCTION_NAME):
            resolve_target(cfn, function_name=None, stack=None, stage="dev")
    with pytest.raises(ToolError, match="--function-name"):
        resolve_target(cfn, function_name=None, stack=None, stage=None)


def test_payload_default_and_file(tmp_path) -> None:
    assert json.loads(load_payload(None)) == DEFAULT_PAYLOAD
    f = tmp_path / "e.json"
    f.write_text('{"rawPath": "/orders"}')
    assert load_payload(str(f)) == b'{"rawPath": "/orders"}'
    f.write_text("{not json")
    with pytest.raises(ToolError, match="not JSON"):
        load_payload(str(f))
    with pytest.raises(ToolError, match="cannot read"):
        load_payload(str(tmp_path / "missing.json"))


def client_error(code: str, message: str = "m", op: str = "Invoke") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, op)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (NoCredentialsError(), "no AWS credentials"),
        (
            client_error("ResourceNotFoundException", "Function not found"),
            "function fn not found (Invoke): Function not found",
        ),
        (client_error("TooManyRequestsException"), "throttled"),
        (client_error("ThrottlingException", op="GetFunction"), "throttled by AWS (GetFunction"),
        (client_error("ExpiredTokenException"), "rejected the credentials"),
        (client_error("AccessDeniedException", "no lambda:InvokeFunction"), "access denied for Invoke"),
        (client_error("Weird", "boom"), "Invoke failed: Weird: boom"),
    ],
)
def test_describe_error(exc: Exception, expected: str) -> None:
    assert expected in describe_error(exc, "fn")
