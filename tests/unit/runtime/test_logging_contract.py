"""The JSON log line's exact shape and where it goes: what CloudWatch Logs Insights and alarms read."""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from common.logging import setup_logger, start_invocation

LINE_KEYS = {"timestamp", "level", "logger", "message", "request_id", "xray_trace_id", "cold_start"}


def one_line(stream: io.StringIO) -> dict[str, Any]:
    [line] = stream.getvalue().splitlines()
    entry: dict[str, Any] = json.loads(line)
    return entry


def test_a_line_holds_the_documented_fields_and_the_extras_nothing_of_the_log_record() -> None:
    stream = io.StringIO()
    logger = setup_logger("contract-fields", level=logging.INFO, stream=stream)
    logger.info("request handled", extra={"route": "POST /orders", "status_code": 201})
    assert set(one_line(stream)) == LINE_KEYS | {"route", "status_code"}


def test_text_that_is_not_ascii_is_escaped_and_reads_back_as_is() -> None:
    # ASCII JSON: a line with a lone surrogate in it could not be written to Lambda's UTF-8 stdout.
    stream = io.StringIO()
    setup_logger("contract-utf8", level=logging.INFO, stream=stream).info("注文を受け付けました")
    line = stream.getvalue()
    assert line.isascii() and json.loads(line)["message"] == "注文を受け付けました"


def test_lines_go_to_stdout_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logger("contract-stdout", level=logging.INFO).info("to stdout")
    captured = capsys.readouterr()
    assert json.loads(captured.out)["message"] == "to stdout" and captured.err == ""


def test_an_explicit_level_wins_over_log_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    assert setup_logger("contract-level", level=logging.ERROR, stream=io.StringIO()).level == logging.ERROR
    assert setup_logger("contract-level", level="WARNING", stream=io.StringIO()).level == logging.WARNING


def test_a_context_without_a_request_id_logs_none() -> None:
    stream = io.StringIO()
    logger = setup_logger("contract-context", level=logging.INFO, stream=stream)
    start_invocation(SimpleNamespace())  # a direct call or a local run may pass any object
    logger.info("local")
    assert one_line(stream)["request_id"] is None
