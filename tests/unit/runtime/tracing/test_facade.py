"""common.tracing, the facade: which backend init() starts (TRACING), when it starts none, and subsegment() as a
no-op without a backend or a trace header. The backends are the real ones, their output caught by a stand-in
daemon (conftest); which packages each imports is proved in subprocesses (tests/unit/runtime/test_tracing.py)."""

from __future__ import annotations

import sys

import botocore.client
import pytest
from lambda_kit.local.xray_listener import XRayListener

from common import tracing
from tests.unit.runtime.tracing.conftest import ROOT, TRACE, block_import, raise_in_step


def traced_step(name: str = "validate_input") -> tracing.Span:
    with tracing.subsegment(name) as span:
        span.annotate("order_id", "o-1")
    return span


def botocore_patched() -> bool:
    # Both backends wrap BaseClient._make_api_call with wrapt.
    return type(vars(botocore.client.BaseClient)["_make_api_call"]).__name__ == "FunctionWrapper"


def assert_untraced(daemon: XRayListener) -> None:
    assert tracing.active() is False
    assert type(traced_step()) is tracing.Span  # the no-op span
    assert not botocore_patched()
    with pytest.raises(TimeoutError):
        daemon.receive(1, timeout=0.01)  # loopback UDP is delivered during sendto: nothing was sent


@pytest.mark.parametrize("value", [None, "xray-sdk", "", "  ", " xray-sdk "])
def test_the_xray_sdk_is_the_default_and_a_blank_value_means_the_default(in_lambda, monkeypatch, value):
    if value is not None:
        monkeypatch.setenv("TRACING", value)
    assert tracing.init() is True
    assert tracing.active() is True
    traced_step("validate_input")
    # An X-Ray SDK document (XRayListener takes nothing else): a subsegment in Lambda's trace.
    [document] = in_lambda.receive(1)
    assert (document["name"], document["trace_id"], document["type"]) == (
        "validate_input",
        ROOT,
        "subsegment",
    )


@pytest.mark.parametrize("value", ["otel", " otel "])
def test_otel_is_selected_by_name(in_lambda_otel, value, monkeypatch):
    monkeypatch.setenv("TRACING", value)
    assert tracing.init() is True
    traced_step("validate_input")
    [span] = in_lambda_otel.receive(1)  # an OTLP datagram (OtlpUdpReceiver takes nothing else)
    assert (span["name"], span["scope"]) == ("validate_input", "common.tracing_otel")


@pytest.mark.parametrize("value", ["jaeger", "OTEL", "x-ray", "none"])
def test_an_unknown_backend_fails_init_naming_the_choices(in_lambda, monkeypatch, value):
    monkeypatch.setenv("TRACING", value)
    message = f"TRACING={value!r} is not a tracing backend: choose one of xray-sdk, otel, off"
    with pytest.raises(ValueError) as raised:
        tracing.init()
    assert str(raised.value) == message
    monkeypatch.delenv("LAMBDA_TASK_ROOT")  # outside Lambda too: a typo is found before the first deploy
    with pytest.raises(ValueError, match="is not a tracing backend"):
        tracing.init()


def test_off_starts_nothing_in_lambda(in_lambda, monkeypatch):
    monkeypatch.setenv("TRACING", "off")
    assert tracing.init() is False
    assert_untraced(in_lambda)


@pytest.mark.parametrize("backend", ["xray-sdk", "otel"])
@pytest.mark.parametrize("task_root", [None, ""])
def test_nothing_starts_outside_lambda(in_lambda, monkeypatch, backend, task_root):
    monkeypatch.setenv("TRACING", backend)
    if task_root is None:
        monkeypatch.delenv("LAMBDA_TASK_ROOT")
    else:
        monkeypatch.setenv("LAMBDA_TASK_ROOT", task_root)
    assert tracing.init() is False
    assert_untraced(in_lambda)


OFF_SWITCHES = [
    ("xray-sdk", "AWS_XRAY_SDK_ENABLED", ("false", "FALSE", " False ", "0")),
    ("otel", "OTEL_SDK_DISABLED", ("true", "TRUE", " True ", "1")),
]


@pytest.mark.parametrize(
    ("backend", "variable", "value"),
    [(backend, variable, value) for backend, variable, values in OFF_SWITCHES for value in values],
)
def test_each_backends_own_switch_turns_it_off(in_lambda, monkeypatch, backend, variable, value):
    monkeypatch.setenv("TRACING", backend)
    monkeypatch.setenv(variable, value)
    assert tracing.init() is False
    assert_untraced(in_lambda)


@pytest.mark.parametrize(
    ("backend", "variable", "value"),
    [
        ("xray-sdk", "AWS_XRAY_SDK_ENABLED", "true"),
        ("xray-sdk", "AWS_XRAY_SDK_ENABLED", "1"),
        ("xray-sdk", "AWS_XRAY_SDK_ENABLED", ""),
        ("otel", "OTEL_SDK_DISABLED", "false"),
        ("otel", "OTEL_SDK_DISABLED", "0"),
        ("otel", "OTEL_SDK_DISABLED", ""),
        # The other backend's switch does not apply.
        ("xray-sdk", "OTEL_SDK_DISABLED", "true"),
        ("otel", "AWS_XRAY_SDK_ENABLED", "false"),
    ],
)
def test_other_values_of_a_switch_leave_the_backend_on(in_lambda, monkeypatch, backend, variable, value):
    monkeypatch.setenv("TRACING", backend)
    monkeypatch.setenv(variable, value)
    assert tracing.init() is True
    assert tracing.active() is True
    assert botocore_patched()


@pytest.mark.parametrize(
    ("backend", "blocked", "module"),
    [("xray-sdk", "aws_xray_sdk.core", "common.tracing_xray"), ("otel", "opentelemetry", "common.tracing_otel")],
)
def test_without_the_backends_packages_the_function_runs_untraced_and_init_says_so(
    in_lambda, monkeypatch, caplog, backend, blocked, module
):
    monkeypatch.setenv("TRACING", backend)
    monkeypatch.delitem(sys.modules, module, raising=False)  # imported afresh, as on a cold start
    block_import(monkeypatch, blocked)
    assert tracing.init() is False
    assert_untraced(in_lambda)
    [record] = caplog.records  # one line, at init, naming the backend
    assert (record.name, record.levelname) == ("common.tracing", "ERROR")
    assert record.getMessage() == (
        f"tracing: TRACING={backend} cannot start, its packages do not import "
        f"(import of {blocked} halted; None in sys.modules): the function runs untraced; "
        "attach the stage's dependencies layer for this backend"
    )


def test_init_is_idempotent_the_first_backend_stays(in_lambda, monkeypatch):
    assert tracing.init() is True
    monkeypatch.setenv("TRACING", "jaeger")  # not read again: neither a second backend nor an error
    assert tracing.init() is True
    assert tracing.active() is True
    traced_step("after_second_init")
    assert [d["name"] for d in in_lambda.receive(1)] == ["after_second_init"]


def test_without_a_trace_header_a_subsegment_is_a_no_op(in_lambda, monkeypatch):
    assert tracing.init() is True
    monkeypatch.delenv("_X_AMZN_TRACE_ID")  # a local run that set none: no trace to join
    assert type(traced_step("no_header")) is tracing.Span
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "")
    assert type(traced_step("empty_header")) is tracing.Span
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE)
    traced_step("with_header")
    assert [d["name"] for d in in_lambda.receive(1)] == ["with_header"]  # the first datagram: nothing before


def test_an_exception_in_an_untraced_subsegment_passes_through_unchanged(in_lambda, monkeypatch):
    monkeypatch.setenv("TRACING", "off")
    assert tracing.init() is False
    raise_in_step(KeyError("order_id"), client_errors=(KeyError,))  # asserts the very same exception comes out
