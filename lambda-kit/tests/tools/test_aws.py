"""Target resolution (the assembly's function, its deployed stack's output naming it), regions from the stack's
environment, payload loading, error messages."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.stub import Stubber

from lambda_kit.tools.aws import (
    ToolError,
    add_common_args,
    add_target_args,
    describe_error,
    load_payload,
    resolve_region,
    resolve_target,
    session_for,
    target_function,
)
from tests.conftest import FIXTURE, SHOP
from tests.tools import fixtures as fx

# Every tool checks that credentials resolve before it reads anything (fake ones: nothing here calls AWS).
pytestmark = pytest.mark.usefixtures("aws_env")

SERVICE = "shop-dev-service"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_target_args(parser)
    add_common_args(parser)
    return parser.parse_args(list(argv))


def test_function_name_needs_no_assembly_and_no_api_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no cdk.out, no pyproject.toml
    args = parse("--function-name", "f")
    assert target_function(args) is None
    t = resolve_target(None, None, function_name=args.function_name)
    assert (t.function_name, t.alias, t.stack, t.function) == ("f", None, None, None)
    assert resolve_target(None, None, function_name="f", alias="blue").alias == "blue"


@pytest.mark.parametrize(
    "argv",
    [
        ["--stage", "dev"],  # [tool.lambda-kit] stage-stacks = "shop-{stage}-*", cdk.out beside it
        ["--stack", "shop-*-service", "--function", "Shop"],  # a glob, and the construct path's first part
        ["--assembly", str(FIXTURE), "--function", "Shop563325D0"],  # every stack; the logical id
    ],
)
def test_the_function_resolves_through_its_stacks_output(shop_project: Path, argv: list[str]) -> None:
    function = target_function(parse(*argv))
    assert function is not None and (function.stack.name, function.logical_id) == (SERVICE, "Shop563325D0")
    cfn = fx.cfn_client()
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", fx.describe_stacks(), {"StackName": SERVICE})
        t = resolve_target(cfn, function)
        stub.assert_no_pending_responses()
    # the output whose template value is {"Ref": Shop563325D0} (ShopFunctionName, not ApiUrl); the one alias
    assert (t.function_name, t.alias, t.stack, t.function) == (fx.FUNCTION, "live", SERVICE, function)
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", fx.describe_stacks(), {"StackName": SERVICE})
        assert resolve_target(cfn, function, alias="blue").alias == "blue"  # --alias wins


def test_what_names_no_function_says_what_to_do(
    shop_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(
        ToolError, match=r"--function 'nope' matches 0.+the functions: .*Shop \(shop-dev-service/Shop563325D0\)"
    ):
        target_function(parse("--function", "nope"))
    with pytest.raises(ToolError, match=r"no stack of .+ matches shop-qa-"):
        target_function(parse("--stage", "qa"))
    monkeypatch.chdir(tmp_path)  # a folder that is no project
    with pytest.raises(ToolError, match=r"--stage needs \[tool.lambda-kit\] stage-stacks.+--function-name NAME"):
        target_function(parse("--stage", "dev", "--assembly", str(FIXTURE)))
    with pytest.raises(ToolError, match=r"is not a cloud assembly.+--function-name NAME"):
        target_function(parse())


def test_region_from_flag_then_environment_then_the_stack(shop_project: Path, aws_env: None) -> None:
    function = target_function(parse("--stage", "dev"))
    assert function is not None and function.stack.region == "ap-northeast-1"  # the stack's environment
    assert session_for(parse("--stage", "dev"), function).region_name == "ap-northeast-1"
    assert session_for(parse("--function-name", "f", "--region", "eu-west-3")).region_name == "eu-west-3"
    with pytest.raises(ToolError, match="no AWS region"):  # a function name alone says nowhere
        session_for(parse("--function-name", "f"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        assert resolve_region(None, function.stack.region) == "eu-west-1"
        env.setenv("AWS_REGION", "us-east-2")  # the README's `export AWS_REGION=...`; botocore alone ignores it
        assert session_for(parse("--stage", "dev"), function).region_name == "us-east-2"
        assert session_for(parse("--stage", "dev", "--region", "us-west-2"), function).region_name == "us-west-2"


def test_missing_stack_and_missing_outputs(shop_project: Path, tmp_path: Path) -> None:
    function = target_function(parse("--stage", "dev"))
    cfn = fx.cfn_client()
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "describe_stacks",
            service_error_code="ValidationError",
            service_message=f"Stack with id {SERVICE} does not exist",
        )
        with pytest.raises(ToolError, match=f"stack not found: {SERVICE}"):
            resolve_target(cfn, function)
    with Stubber(cfn) as stub:  # deployed before the output was added
        stub.add_response("describe_stacks", fx.describe_stacks({"ApiUrl": fx.API_URL}))
        with pytest.raises(ToolError, match=f"stack {SERVICE} has no output ShopFunctionName: deploy it first"):
            resolve_target(cfn, function)
    # A template without an output naming the function: nothing to read, no call made.
    copy = Path(shutil.copytree(FIXTURE, tmp_path / "cdk.out"))
    template = copy / f"{SERVICE}.template.json"
    document = json.loads(template.read_text())
    del document["Outputs"]["ShopFunctionName"]
    template.write_text(json.dumps(document))
    bare = target_function(parse("--assembly", str(copy), "--stage", "dev"))
    with pytest.raises(ToolError, match=r"no output naming Shop \(\{Ref: Shop563325D0\}\).+--function-name"):
        resolve_target(cfn, bare)


def test_payload_default_and_file(shop_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # [tool.lambda-kit] payload, its id-field given an id that exists nowhere: a read of an unknown item.
    event = json.loads(load_payload(None))
    assert event["routeKey"] == "GET /items/{id}" and event["pathParameters"] == {"id": "bench-1"}
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/items/bench-1"
    f = tmp_path / "e.json"
    f.write_text('{"rawPath": "/items"}')
    assert load_payload(str(f)) == b'{"rawPath": "/items"}'
    f.write_text("{not json")
    with pytest.raises(ToolError, match="not JSON"):
        load_payload(str(f))
    with pytest.raises(ToolError, match="cannot read"):
        load_payload(str(tmp_path / "missing.json"))
    monkeypatch.chdir(tmp_path)  # a project that names no payload
    with pytest.raises(ToolError, match=r"no payload: pass --payload FILE, or name a sample event in \[tool"):
        load_payload(None)


def test_the_default_payload_is_the_projects_sample_event(shop_project: Path) -> None:
    sample = json.loads((SHOP / "events" / "get_item.json").read_text())
    event = json.loads(load_payload(None))
    assert event.pop("pathParameters") == {"id": "bench-1"} and sample.pop("pathParameters") == {"id": "item-0001"}
    for document in (event, sample):
        document.pop("rawPath")
        document["requestContext"]["http"].pop("path")
    assert event == sample  # nothing else changed


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
