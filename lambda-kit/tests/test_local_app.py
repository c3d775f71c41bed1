"""The fixture app run locally from its cloud assembly: the resources its function's environment names created on
moto server from their templates, every variable resolved, and the function run from its code and layer assets
under AWS's runtime interface client. A packaging mistake fails as it would on Lambda."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lambda_kit.local.emulator import admin_client
from lambda_kit.local.lambda_process import InitError
from lambda_kit.local.local_app import LocalApp
from lambda_kit.local.provision import ProvisionError

FIXTURE = Path(__file__).parent / "fixtures" / "shop" / "cdk.out"
REGION = "ap-northeast-1"  # the fixture's stacks' environment


@pytest.fixture(scope="module")
def local() -> Iterator[LocalApp]:
    with LocalApp(FIXTURE) as app:
        yield app


def event(route_key: str, body: Any = None, **path: str) -> dict[str, Any]:
    """An HTTP API payload 2.0 event reduced to what the fixture's handler reads (hand-written)."""
    return {"routeKey": route_key, "pathParameters": path, "body": json.dumps(body) if body is not None else None}


def test_the_data_stacks_resources_are_created_from_their_templates(local: LocalApp) -> None:
    env = local.config(local.model.find("Shop")).environment
    dynamodb = admin_client(local.moto.endpoint_url, "dynamodb", region=REGION)
    table = dynamodb.describe_table(TableName=env["TABLE_NAME"])["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert env["TABLE_ARN"] == table["TableArn"]  # Fn::GetAtt ... Arn, as CloudFormation builds it
    ttl = dynamodb.describe_time_to_live(TableName=env["TABLE_NAME"])["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    s3 = admin_client(local.moto.endpoint_url, "s3", region=REGION)
    settings = s3.get_object(Bucket=env["CONFIG_BUCKET"], Key="config/settings.json")["Body"].read()
    assert json.loads(settings) == {"shop": "the fixture shop"}  # the BucketDeployment's source, under its prefix
    secret = admin_client(local.moto.endpoint_url, "secretsmanager", region=REGION)
    value = secret.get_secret_value(SecretId=env["SECRET_ARN"])["SecretString"]
    assert len(value) == 32  # GenerateSecretString's PasswordLength, drawn by Secrets Manager's GetRandomPassword
    assert env["SECRET_ARN"].startswith(f"arn:aws:secretsmanager:{REGION}:")


def test_the_function_runs_its_assets_with_lambdas_variables(local: LocalApp) -> None:
    function = local.model.find("Shop")
    config = local.config(function)
    assert config.task_root == function.code.path if function.code else False
    assert config.handler == "shop.handler.handle" and config.memory_mb == 256 and config.timeout_seconds == 5
    with local.environment(function) as process:
        hello = process.invoke(event("GET /hello"))
        created = process.invoke(event("POST /items", {"id": "i-1", "name": "tea"}))
        read = process.invoke(event("GET /items/{id}", id="i-1"))
    body = json.loads(hello.result["body"])
    assert body["greeting"] == "welcome to the fixture shop"  # the common layer's code, the config object
    assert body["speedups"] is True  # the layer's arm64 wheel ran as this machine's build of the same version
    assert body["function"] == config.name and body["memory"] == "256" and body["secret_length"] == 32
    assert created.result["statusCode"] == 201 and json.loads(read.result["body"]) == {"id": "i-1", "name": "tea"}
    assert hello.report and hello.report.init_duration_ms is not None  # an on-demand cold start


def broken_copy(tmp_path: Path, change: Any) -> Path:
    copy = shutil.copytree(FIXTURE, tmp_path / "cdk.out")
    change(copy)
    return copy


def test_a_module_left_out_of_the_asset_fails_init_as_on_lambda(tmp_path: Path) -> None:
    def leave_out_the_handler(copy: Path) -> None:
        next(copy.glob("asset.*/shop/handler.py")).unlink()

    with LocalApp(broken_copy(tmp_path, leave_out_the_handler)) as app, pytest.raises(InitError) as info:
        app.environment(app.model.find("Shop")).start()
    assert info.value.error_type == "Runtime.ImportModuleError"
    assert info.value.error_message == "Unable to import module 'shop.handler': No module named 'shop.handler'"
    assert any("Status: error\tError Type: Runtime.ImportModuleError" in line for line in info.value.logs)


def edit_template(copy: Path, stack: str, edit: Any) -> None:
    path = copy / f"{stack}.template.json"
    template = json.loads(path.read_text())
    function = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    edit(template, function["Properties"])
    path.write_text(json.dumps(template))


def test_a_wrong_handler_string_fails_init_as_on_lambda(tmp_path: Path) -> None:
    def misname(copy: Path) -> None:
        edit_template(copy, "shop-dev-service", lambda _, p: p.update(Handler="shop.handler.lambda_handler"))

    with LocalApp(broken_copy(tmp_path, misname)) as app, pytest.raises(InitError) as info:
        app.environment(app.model.find("Shop")).start()
    assert info.value.error_type == "Runtime.HandlerNotFound"
    assert info.value.error_message == "Handler 'lambda_handler' missing on module 'shop.handler'"


def test_a_variable_naming_what_the_kit_cannot_create_fails_naming_it(tmp_path: Path) -> None:
    def name_the_alias(copy: Path) -> None:
        def edit(template: dict[str, Any], properties: dict[str, Any]) -> None:
            alias = next(k for k, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Alias")
            properties["Environment"]["Variables"]["PEER"] = {"Ref": alias}

        edit_template(copy, "shop-dev-service", edit)

    named = r"Shop: environment variable PEER names shop-dev-service/Live\w+ "
    with LocalApp(broken_copy(tmp_path, name_the_alias)) as app, pytest.raises(ProvisionError, match=named):
        app.config(app.model.find("Shop"))
