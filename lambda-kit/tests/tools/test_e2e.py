"""`lambda-kit e2e`: the one HTTP API of the selected stacks, its URL and function from the stack outputs that name
them, SigV4 signing when a route takes AWS_IAM, the project's suite run with pytest, and a clear stop without
credentials."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.credentials import Credentials
from botocore.stub import Stubber

from lambda_kit.assembly.app_model import AppModel
from lambda_kit.assembly.cloud_assembly import CloudAssembly
from lambda_kit.tools import e2e
from lambda_kit.tools.api_client import sigv4_signer
from lambda_kit.tools.aws import ToolError, run
from lambda_kit.tools.credentials import NO_CREDENTIALS
from tests.conftest import FIXTURE
from tests.tools import fixtures as fx

KIT = Path(__file__).resolve().parents[2]
SERVICE = "shop-dev-service"


def assembly_with(tmp_path: Path, authorization: dict[str, str] | None = None, drop_output: str = "") -> Path:
    """A copy of the fixture assembly with some routes' AuthorizationType changed, or an output removed."""
    copy = Path(shutil.copytree(FIXTURE, tmp_path / "cdk.out"))
    template = copy / f"{SERVICE}.template.json"
    document = json.loads(template.read_text())
    for resource in document["Resources"].values():
        key = resource.get("Properties", {}).get("RouteKey")
        if resource["Type"] == "AWS::ApiGatewayV2::Route" and key in (authorization or {}):
            resource["Properties"]["AuthorizationType"] = (authorization or {})[key]
    document["Outputs"].pop(drop_output, None)
    template.write_text(json.dumps(document))
    return copy


def test_without_credentials_it_stops_at_once_with_one_line(shop_project: Path, tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONPATH": str(KIT / "src"),  # this folder's kit, wherever it is installed from
    }
    result = subprocess.run(
        [sys.executable, "-m", "lambda_kit", "e2e", "--stage", "dev"],
        cwd=shop_project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {NO_CREDENTIALS}"]


@pytest.mark.parametrize(
    ("authorization", "signed"),
    [
        ({}, False),  # the fixture's routes: NONE
        ({"GET /items/{id}": "AWS_IAM"}, True),  # one route is enough: the suite signs every request
        ({"POST /items": "JWT"}, False),
    ],
)
def test_requests_are_signed_when_a_route_takes_iam(tmp_path: Path, authorization, signed: bool) -> None:
    assembly = CloudAssembly(assembly_with(tmp_path, authorization))
    (api,) = AppModel(assembly, assembly.select(["shop-*"])).apis
    assert e2e.signs(api) is signed


def test_the_outputs_naming_the_api_and_its_function(shop_model: AppModel) -> None:
    (api,) = shop_model.apis
    assert e2e.output_naming(api, api.logical_id) == "ApiUrl"  # Fn::GetAtt [Api, ApiEndpoint]
    assert e2e.output_naming(api, "Shop563325D0") == "ShopFunctionName"  # Ref
    assert e2e.output_naming(api, "Live848578DF") is None


def test_the_signer_is_sigv4_for_execute_api() -> None:
    credentials = SimpleNamespace(
        get_frozen_credentials=Credentials("AKIDEXAMPLE", "secret", "token").get_frozen_credentials
    )
    headers = sigv4_signer(credentials, "ap-northeast-1")("GET", f"{fx.API_URL}/items/i-1", {}, b"")
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/ap-northeast-1/execute-api/aws4_request" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == "token" and headers["X-Amz-Date"]


@pytest.fixture
def suite_run(monkeypatch: pytest.MonkeyPatch, aws_env: None, shop_project: Path):
    """The deployed stack's outputs from a Stubber'ed DescribeStacks; the suite's pytest run recorded, not run."""
    cfn = fx.cfn_client()
    monkeypatch.setattr(e2e, "client", lambda session, service: {"cloudformation": cfn}[service])
    ran: dict[str, Any] = {}

    def fake_run(command, **options):
        ran.update(command=command, **options)
        return SimpleNamespace(returncode=0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    with Stubber(cfn) as stub:
        yield stub, ran
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("iam", [False, True])
def test_the_suite_runs_against_the_stacks_url(suite_run, tmp_path: Path, capsys, iam: bool) -> None:
    stub, ran = suite_run
    stub.add_response("describe_stacks", fx.describe_stacks(), {"StackName": SERVICE})
    assembly = assembly_with(tmp_path, {"POST /items": "AWS_IAM"} if iam else {})
    assert run(e2e.main, ["--stage", "dev", "--assembly", str(assembly), "-k", "replay"]) == 0
    # [tool.lambda-kit.e2e] tests, with the arguments e2e does not know passed to pytest
    assert ran["command"][1:] == ["-m", "pytest", "contract", "-p", "no:cacheprovider", "-k", "replay"]
    env = ran["env"]
    assert env[e2e.ENV_BASE_URL] == fx.API_URL and env[e2e.ENV_FUNCTION] == fx.FUNCTION
    assert env[e2e.ENV_REGION] == "ap-northeast-1"  # the stack's region
    assert env.get(e2e.ENV_SIGN_REGION) == ("ap-northeast-1" if iam else None)
    assert (
        f"contract suite against {fx.API_URL} ({SERVICE}, SigV4: {'yes' if iam else 'no'})" in capsys.readouterr().out
    )


def test_what_it_cannot_find_it_names(suite_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub, ran = suite_run
    with pytest.raises(ToolError, match=r"expected one HTTP API in the selected stacks, found 0 \(none\): use --stack"):
        e2e.main(["--stack", "shop-dev-data"])
    without_url = assembly_with(tmp_path, drop_output="ApiUrl")
    with pytest.raises(ToolError, match=f"stack {SERVICE} has no output naming its HTTP API's URL"):
        e2e.main(["--stage", "dev", "--assembly", str(without_url)])
    stub.add_response("describe_stacks", fx.describe_stacks({"ShopFunctionName": fx.FUNCTION}))
    with pytest.raises(ToolError, match=f"stack {SERVICE} has no output ApiUrl: deploy it first"):
        e2e.main(["--stage", "dev"])
    monkeypatch.chdir(tmp_path)  # a project that names no suite
    with pytest.raises(ToolError, match=r"no contract suite: name it in \[tool.lambda-kit.e2e\] tests"):
        e2e.main(["--assembly", str(FIXTURE)])
    assert ran == {}  # nothing was run
