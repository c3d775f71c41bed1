import importlib
import io
import json
import logging
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

import common.logging as json_logging

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture
def fresh_module(monkeypatch):
    """The module re-imported under a given AWS_LAMBDA_INITIALIZATION_TYPE (it is read at init)."""

    def load(initialization_type=None):
        if initialization_type is None:
            monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
        else:
            monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", initialization_type)
        return importlib.reload(json_logging)

    yield load
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    importlib.reload(json_logging)


def capture(module, name="test-json-logger", level=None):
    stream = io.StringIO()
    logger = module.setup_logger(name, level=level, stream=stream)
    return logger, stream


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_json_object_per_line_with_invocation_context(fresh_module, monkeypatch):
    module = fresh_module("on-demand")
    logger, stream = capture(module)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE)
    assert module.start_invocation(SimpleNamespace(aws_request_id="req-1")) is True
    logger.info("hello %s", "world", extra={"order_id": "o-1", "odd": object()})
    [entry] = lines(stream)
    assert entry["message"] == "hello world"
    assert entry["level"] == "INFO" and entry["logger"] == "test-json-logger"
    assert entry["request_id"] == "req-1"
    assert entry["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert entry["cold_start"] is True
    assert entry["order_id"] == "o-1" and entry["odd"].startswith("<object")
    stamp = datetime.fromisoformat(entry["timestamp"])
    assert stamp.utcoffset() == timedelta(0)


def test_cold_start_only_on_first_invoke_of_on_demand(fresh_module):
    module = fresh_module(None)  # not on Lambda: behaves as on-demand
    assert module.start_invocation(SimpleNamespace(aws_request_id="1")) is True
    assert module.start_invocation(SimpleNamespace(aws_request_id="2")) is False


@pytest.mark.parametrize("kind", ["provisioned-concurrency", "snap-start"])
def test_no_cold_start_for_pre_initialized_environments(fresh_module, kind):
    module = fresh_module(kind)
    assert module.start_invocation(SimpleNamespace(aws_request_id="1")) is False


def test_exception_fields_and_single_line(fresh_module):
    module = fresh_module()
    logger, stream = capture(module)
    try:
        raise KeyError("missing")
    except KeyError:
        logger.error("boom", exc_info=True)
    assert len(stream.getvalue().splitlines()) == 1
    [entry] = lines(stream)
    assert entry["exception_type"] == "KeyError"
    assert entry["exception_message"] == "'missing'"
    assert entry["traceback"].startswith("Traceback") and "KeyError" in entry["traceback"]


def test_level_from_env_and_no_propagation(fresh_module, monkeypatch):
    module = fresh_module()
    monkeypatch.setenv("LOG_LEVEL", "warning")
    logger, stream = capture(module)
    assert logger.level == logging.WARNING and logger.propagate is False
    logger.info("hidden")
    logger.warning("shown")
    assert [e["message"] for e in lines(stream)] == ["shown"]
    monkeypatch.setenv("LOG_LEVEL", "LOUD")  # unknown: fall back to INFO rather than fail
    assert capture(module)[0].level == logging.INFO


def test_setup_is_idempotent(fresh_module):
    module = fresh_module()
    capture(module, name="same")
    logger, stream = capture(module, name="same")
    logger.warning("once")
    assert len(logger.handlers) == 1 and len(lines(stream)) == 1


def test_trace_id_absent_or_malformed(monkeypatch):
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    assert json_logging.xray_trace_id() is None
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Parent=1;Sampled=0")
    assert json_logging.xray_trace_id() is None
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-a-b")
    assert json_logging.xray_trace_id() == "1-a-b"


def test_module_name_does_not_shadow_stdlib_logging():
    assert vars(json_logging)["logging"] is logging
    assert json_logging.__name__ == "common.logging"
