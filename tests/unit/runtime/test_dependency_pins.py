"""Local runs must import what Lambda imports: the venv holds exactly the versions each tracing backend's
dependencies layer pins (local.sandbox.dependencies_layer links the venv's copies in as that layer)."""

from importlib.metadata import version

import pytest

from stacks.tracing_backends import TRACING_BACKENDS, pinned_distributions

WITH_LAYER = [b for b in TRACING_BACKENDS if pinned_distributions(b)]


def test_every_backend_but_off_has_its_own_pins():
    assert WITH_LAYER == ["xray-sdk", "otel"]
    assert pinned_distributions("off") == {}
    assert set(pinned_distributions("xray-sdk")) == {"aws-xray-sdk", "wrapt"}


@pytest.mark.parametrize("backend", WITH_LAYER)
def test_layer_pins_every_runtime_dependency_exactly(backend):
    assert all(pinned_distributions(backend).values())


@pytest.mark.parametrize("backend", WITH_LAYER)
def test_venv_matches_the_layer(backend):
    pins = pinned_distributions(backend)
    assert {name: version(name) for name in pins} == pins


def test_xray_path_pins_no_opentelemetry_and_otel_path_no_xray_sdk():
    assert not [name for name in pinned_distributions("xray-sdk") if name.startswith("opentelemetry")]
    assert "aws-xray-sdk" not in pinned_distributions("otel")


@pytest.mark.parametrize("backend", WITH_LAYER)
def test_wrapt_is_1_x(backend):
    # wrapt 2.x imports asyncio at import time: ~25 ms more cold start here for nothing the SDK uses
    # (python -m local.bench --importtime). 1.17.3 has cp314 wheels for x86_64 and aarch64.
    assert pinned_distributions(backend)["wrapt"].startswith("1.")
