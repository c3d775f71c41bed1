"""The orders function as the tests run it from its sources (tests/orders_local.py): the stage's layers, each
backend's dependencies layer made of this venv's copies of exactly its pins."""

import pytest

from tests.orders_local import COMMON_LAYER, function_layers


@pytest.mark.parametrize(
    ("tracing", "present", "absent"),
    [
        ("xray-sdk", {"aws_xray_sdk", "wrapt"}, {"opentelemetry", "google"}),
        # OpenTelemetry finds its context implementation through entry points: the .dist-info must be there. Its
        # spans are encoded by the layer's own OTLP writer: no protobuf.
        ("otel", {"opentelemetry", "packaging", "opentelemetry_api-1.45.2.dist-info"}, {"aws_xray_sdk", "google"}),
    ],
)
def test_the_dependencies_layer_comes_after_the_common_layer(tracing, present, absent, tmp_path):
    for layers in (function_layers(tracing), function_layers(tracing, without_bytecode_in=tmp_path)):
        common, dependencies = layers
        names = {entry.name for entry in dependencies.iterdir()}
        assert common == COMMON_LAYER and present <= names and not absent & names
    assert not list(tmp_path.rglob("__pycache__"))  # the copy holds sources only, as the layer's zip does


def test_tracing_off_attaches_no_dependencies_layer():
    assert function_layers("off") == (COMMON_LAYER,)
