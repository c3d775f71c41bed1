"""Pure helpers of the local tooling: trace tree rendering and the importtime parser."""

import pytest

from local.bench_cold import import_costs
from local.sandbox import COMMON_LAYER, DEFAULT_TRACING, function_layers, lambda_env
from local.xray_listener import flatten, render_tree


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


def test_lambda_env_is_lambda_mode_with_fake_credentials_and_the_emulator():
    env = lambda_env("http://127.0.0.1:5000", {"TABLE_NAME": "t"}, "127.0.0.1:2000")
    assert env["LAMBDA_TASK_ROOT"] and env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000" and env["AWS_ACCESS_KEY_ID"] == "testing"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"]
    assert env["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000" and env["TABLE_NAME"] == "t"
    assert lambda_env("http://x", {})["AWS_XRAY_SDK_ENABLED"] == "false"  # no listener: send nothing


def test_lambda_env_sets_the_default_stages_tracing_backend_which_the_function_may_override():
    assert lambda_env("http://x", {})["TRACING"] == DEFAULT_TRACING == "xray-sdk"
    assert lambda_env("http://x", {"TRACING": "otel"})["TRACING"] == "otel"


@pytest.mark.parametrize(
    ("tracing", "present", "absent"),
    [
        ("xray-sdk", {"aws_xray_sdk", "wrapt"}, {"opentelemetry", "google"}),
        # OpenTelemetry finds its context implementation through entry points: the .dist-info must be there.
        # No protobuf ("google"): common/tracing_otlp.py encodes OTLP itself.
        ("otel", {"opentelemetry", "packaging", "opentelemetry_api-1.45.2.dist-info"}, {"aws_xray_sdk", "google"}),
    ],
)
def test_the_runner_puts_the_backends_dependencies_layer_after_the_common_layer(tracing, present, absent, tmp_path):
    for layers in (function_layers(tracing), function_layers(tracing, without_bytecode_in=tmp_path)):
        common, dependencies = layers
        names = {entry.name for entry in dependencies.iterdir()}
        assert common == COMMON_LAYER and present <= names and not absent & names
    assert not list(tmp_path.rglob("__pycache__"))  # the copy holds sources only, as the layer's zip does


def test_tracing_off_attaches_no_dependencies_layer():
    assert function_layers("off") == (COMMON_LAYER,)
