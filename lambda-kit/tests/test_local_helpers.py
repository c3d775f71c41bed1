"""Helpers of the local tooling: trace tree rendering, the importtime parser, the environment Lambda gives a
function, and layers made of this venv's packages."""

import subprocess
import sys
from importlib.metadata import distributions, version
from pathlib import Path

import pytest
import tqdm

from lambda_kit.assembly.app_model import AppModel
from lambda_kit.bench.cold import import_costs
from lambda_kit.local.sandbox import FunctionConfig, lambda_env, venv_layer
from lambda_kit.local.xray_listener import flatten, render_tree


def doc(id_, name, parent=None, start=1.0, end=1.01, **extra):
    d = {"id": id_, "name": name, "start_time": start, "end_time": end, "trace_id": "1-a-b", **extra}
    if parent:
        d["parent_id"] = parent
    return d


def test_flatten_merges_streamed_and_nested_subsegments():
    nested = doc("p", "save_to_dynamodb", "seg", 2.0, 2.02, subsegments=[doc("c", "dynamodb", None, 2.001, 2.019)])
    streamed_again = doc("c", "dynamodb", "p", 2.001, 2.019, aws={"operation": "PutItem"})
    nodes = flatten([doc("v", "validate_input", "seg"), nested, streamed_again])
    assert [n["name"] for n in nodes] == ["validate_input", "save_to_dynamodb", "dynamodb"]
    assert next(n for n in nodes if n["id"] == "c")["parent_id"] == "p"


def test_render_tree_indents_children_and_shows_details():
    lines = render_tree(
        [
            doc("v", "validate_input", "seg", annotations={"order_id": "o-1"}),
            doc("s", "s3", "v", aws={"operation": "GetObject"}),
            doc("x", "save_to_dynamodb", "seg", 3.0, 3.5, fault=True),
        ]
    )
    assert lines[0].startswith("validate_input") and "order_id" in lines[0]
    assert lines[1].startswith("  s3") and "operation=GetObject" in lines[1]
    assert lines[2].startswith("save_to_dynamodb") and "500.0 ms" in lines[2] and "FAULT" in lines[2]


def test_import_costs_sum_self_time_per_top_level_package():
    lines = [
        "import time: self [us] | cumulative | imported package",
        "import time:      1000 |       1000 |   botocore.utils",
        "import time:       500 |       1500 | botocore",
        "import time:      2000 |       2000 | asyncio",
        "START RequestId: x",
    ]
    assert import_costs(lines) == {"botocore": 1.5, "asyncio": 2.0}


@pytest.fixture
def shop_config(shop_model: AppModel) -> FunctionConfig:
    """The fixture app's function as its template describes it (handler, memory, timeout, region, code asset)."""
    function = shop_model.find("Shop")
    assert function.code is not None  # a code asset, not inline code
    return FunctionConfig(
        handler=function.handler,
        task_root=function.code.path,
        name="shop-dev-service-Shop",
        memory_mb=function.memory_mb,
        timeout_seconds=function.timeout_seconds,
        region=function.stack.region,
        environment={"TABLE_NAME": "t"},
    )


def test_lambda_env_is_lambda_mode_with_fake_credentials_and_the_emulator(shop_config: FunctionConfig):
    env = lambda_env(shop_config, "http://127.0.0.1:5000", "127.0.0.1:2000")
    assert env["LAMBDA_TASK_ROOT"] == str(shop_config.task_root)
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "shop-dev-service-Shop"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"  # MemorySize in the template
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/shop-dev-service-Shop"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.14"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000" and env["AWS_ACCESS_KEY_ID"] == "testing"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "ap-northeast-1"  # the stack's
    assert env["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000" and env["TABLE_NAME"] == "t"
    assert (env["_AWS_XRAY_DAEMON_ADDRESS"], env["_AWS_XRAY_DAEMON_PORT"]) == ("127.0.0.1", "2000")
    assert "AWS_XRAY_SDK_ENABLED" not in env


def test_lambda_env_without_a_listener_or_an_emulator(shop_config: FunctionConfig):
    env = lambda_env(shop_config.but(initialization_type="provisioned-concurrency", version="3"))
    assert env["AWS_XRAY_SDK_ENABLED"] == "false"  # no listener: send nothing
    assert "AWS_XRAY_DAEMON_ADDRESS" not in env and "AWS_ENDPOINT_URL" not in env
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "provisioned-concurrency"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "3"


def test_the_functions_own_variables_come_last(shop_config: FunctionConfig):
    env = lambda_env(shop_config.with_environment(AWS_XRAY_CONTEXT_MISSING="IGNORE_ERROR", TABLE_NAME="u"))
    assert (env["AWS_XRAY_CONTEXT_MISSING"], env["TABLE_NAME"]) == ("IGNORE_ERROR", "u")


def test_a_venv_layer_copied_without_bytecode_holds_the_packages_and_their_metadata(tmp_path: Path):
    layer = venv_layer("otel", ["opentelemetry-proto", "tqdm"], without_bytecode_in=tmp_path)
    names = {entry.name for entry in layer.iterdir()}
    proto = f"opentelemetry_proto-{version('opentelemetry-proto')}.dist-info"
    assert {"opentelemetry", proto, "tqdm", f"tqdm-{version('tqdm')}.dist-info"} <= names
    assert not {"matplotlib", "boto3", "bin"} & names  # only what was asked for; no console scripts
    assert not list(layer.rglob("__pycache__"))  # sources only, as a layer installed with --no-compile holds them
    # OpenTelemetry finds its parts through entry points, i.e. package metadata: the layer's own is found.
    assert {d.metadata["Name"] for d in distributions(path=[str(layer)])} == {"opentelemetry-proto", "tqdm"}
    script = f"import sys; sys.path.insert(0, {str(layer)!r}); import tqdm; print(tqdm.__file__)"
    imported = subprocess.run(
        [sys.executable, "-I", "-c", script],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(imported.strip()).is_relative_to(layer)


def test_a_venv_layer_links_this_venvs_copies():
    layer = venv_layer("kit-tests-tqdm", ["tqdm"])
    entry = layer / "tqdm"
    assert entry.is_symlink() and (entry.resolve() / "__init__.py").samefile(str(tqdm.__file__))
