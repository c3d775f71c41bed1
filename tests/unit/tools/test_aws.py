"""Target resolution from stack outputs, payload loading and error messages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.stub import Stubber

from stacks import naming
from tests.unit.tools import fixtures as fx
from tools.aws import DEFAULT_PAYLOAD, ToolError, describe_error, load_payload, resolve_target


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


def test_stage_resolves_through_the_service_stack_outputs() -> None:
    cfn = fx.cfn_client()
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", outputs(), {"StackName": "lambda-deep-dive-prod-service"})
        t = resolve_target(cfn, function_name=None, stack=None, stage="prod")
        stub.assert_no_pending_responses()
    assert (t.function_name, t.alias, t.stack) == (fx.FUNCTION, "production", "lambda-deep-dive-prod-service")


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
            service_message="Stack with id lambda-deep-dive-dev-service does not exist",
        )
        with pytest.raises(ToolError, match="stack not found: lambda-deep-dive-dev-service"):
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
