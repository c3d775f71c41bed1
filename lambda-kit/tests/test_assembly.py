"""Reading a cloud assembly as `cdk synth` wrote it: stacks, their dependencies, assets by S3 key, and the app
model (functions, layers, aliases, HTTP API routes) of the fixture app (tests/fixtures/shop/app.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lambda_kit.assembly.app_model import AppModel
from lambda_kit.assembly.cloud_assembly import AssemblyError, CloudAssembly
from lambda_kit.assembly.intrinsics import Resolver, Unresolvable, references

FIXTURE = Path(__file__).parent / "fixtures" / "shop" / "cdk.out"


@pytest.fixture(scope="module")
def assembly() -> CloudAssembly:
    return CloudAssembly(FIXTURE)


def test_stacks_their_region_and_dependencies(assembly: CloudAssembly) -> None:
    assert set(assembly.stacks) == {"shop-dev-data", "shop-dev-service", "gateway-probe", "managed-probe"}
    service = assembly.stacks["shop-dev-service"]
    assert service.region == "ap-northeast-1"
    assert service.dependencies == ("shop-dev-data",)  # the asset manifest artifact is not a stack


def test_a_selection_brings_the_stacks_it_depends_on_first(assembly: CloudAssembly) -> None:
    assert [s.name for s in assembly.select(["*-service"])] == ["shop-dev-data", "shop-dev-service"]
    assert [s.name for s in assembly.select(["shop-dev-data"])] == ["shop-dev-data"]
    with pytest.raises(AssemblyError, match=r"no stack of .* matches \*-prod-\*; its stacks: shop-dev-data, shop-dev"):
        assembly.select(["*-prod-*"])


def test_a_directory_without_a_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AssemblyError, match=r"not a cloud assembly \(no manifest\.json\): run `cdk synth` first"):
        CloudAssembly(tmp_path)


def test_the_function_as_its_template_describes_it(assembly: CloudAssembly) -> None:
    model = AppModel(assembly, assembly.select(["shop-*"]))
    # The app's own function; CDK's bucket deployment handler is a function of the data stack too.
    [function] = [f for f in model.functions if f.stack.name == "shop-dev-service"]
    assert len(model.functions) == 2
    assert (function.label, function.handler, function.runtime) == ("Shop", "shop.handler.handle", "python3.14")
    assert (function.memory_mb, function.timeout_seconds, function.architecture) == (256, 5, "arm64")
    assert (
        function.code and (function.code.path / "shop" / "handler.py").is_file()
    )  # the code asset, found through its S3 key
    common, dependencies = function.layers
    assert (common.asset.path / "python" / "shop_common").is_dir()
    assert (dependencies.asset.path / "python" / "markupsafe-3.0.4.dist-info").is_dir()
    [alias] = function.aliases
    assert (
        alias.name == "live" and alias.version_logical_id and alias.version_logical_id.startswith("ShopCurrentVersion")
    )
    assert set(function.environment) == {"TABLE_NAME", "TABLE_ARN", "CONFIG_BUCKET", "SECRET_ARN"}
    assert (
        model.find(None) is function and model.find("shop") is function and model.find(function.logical_id) is function
    )


def test_routes_name_their_function_through_the_alias_integration(assembly: CloudAssembly) -> None:
    [api] = AppModel(assembly, assembly.select(["shop-*"])).apis
    routes = {route.key: route for route in api.routes}
    assert set(routes) == {"POST /items", "GET /items/{id}", "GET /hello"}
    get = routes["GET /items/{id}"]
    assert (get.method, get.path, get.qualifier, get.authorization_type) == ("GET", "/items/{id}", "live", "NONE")
    assert get.timeout_ms == 30_000 and get.payload_format == "2.0"  # API Gateway's defaults when absent
    assert api.throttling is None and api.cors is None


def test_find_names_the_functions_when_a_name_matches_none(assembly: CloudAssembly) -> None:
    model = AppModel(assembly, assembly.select(["shop-*"]))
    with pytest.raises(AssemblyError, match=r"--function 'orders' matches 0: .*Shop \(shop-dev-service/Shop"):
        model.find("orders")


def test_a_layer_that_is_not_in_the_assembly_is_refused(tmp_path: Path) -> None:
    copy = shutil.copytree(FIXTURE, tmp_path / "cdk.out")
    template_file = copy / "shop-dev-service.template.json"
    template = json.loads(template_file.read_text())
    function = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    function["Properties"]["Layers"].append("arn:aws:lambda:ap-northeast-1:017000801446:layer:AWSLambdaPowertools:1")
    template_file.write_text(json.dumps(template))
    assembly = CloudAssembly(copy)
    with pytest.raises(AssemblyError, match=r"is not a layer of this assembly; the kit runs only layers `cdk synth`"):
        AppModel(assembly, assembly.select())


def test_strict_resolution_names_what_has_no_local_value(assembly: CloudAssembly) -> None:
    resolver = Resolver(assembly.templates(), pseudo={"AWS::Region": "ap-northeast-1"}, strict=True)
    outputs = assembly.stacks["shop-dev-data"].template["Outputs"]
    output = next(k for k, v in outputs.items() if "Ref" in v["Value"] and v["Value"]["Ref"].startswith("Items"))
    table_name = {
        "Fn::GetStackOutput": {"StackName": "shop-dev-data", "Region": "ap-northeast-1", "OutputName": output}
    }
    with pytest.raises(Unresolvable, match=r"shop-dev-data/Items\w+ \(AWS::DynamoDB::Table\) has no local counterpart"):
        resolver.text("shop-dev-service", table_name)
    with pytest.raises(Unresolvable, match=r"the pseudo parameter AWS::AccountId has no local value"):
        resolver.text("shop-dev-service", {"Fn::Sub": "arn:aws:s3:::x-${AWS::AccountId}"})
    item = next(k for k in assembly.stacks["shop-dev-data"].resources if k.startswith("Items"))
    resolver.physical[("shop-dev-data", item)] = "items-local"
    assert resolver.text("shop-dev-service", table_name) == "items-local"
    assert list(references(resolver, "shop-dev-service", {"Fn::Join": ["", ["x", table_name]]})) == [
        ("shop-dev-data", item)
    ]
