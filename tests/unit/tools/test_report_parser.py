"""REPORT-line parsing on recorded log tails."""

from __future__ import annotations

import pytest

from tests.unit.tools import fixtures as fx
from tools.report_parser import ReportNotFound, decode_log_result, parse_log_result, parse_report


def test_x86_cold_start_with_init_duration_and_xray_line() -> None:
    r = parse_report(fx.X86_COLD)
    assert r.request_id == fx.RID
    assert (r.duration_ms, r.billed_duration_ms, r.memory_size_mb, r.max_memory_used_mb) == (12.34, 13, 512, 71)
    assert r.init_duration_ms == 431.02
    assert r.restore_duration_ms is None
    assert r.cold and r.ok
    assert r.server_ms == pytest.approx(443.36)


def test_arm_warm_start_has_no_init_duration() -> None:
    r = parse_report(fx.ARM_WARM)
    assert r.init_duration_ms is None and not r.cold
    assert (r.duration_ms, r.billed_duration_ms, r.memory_size_mb, r.max_memory_used_mb) == (3.71, 4, 1024, 80)


def test_arm_cold_start() -> None:
    r = parse_report(fx.ARM_COLD)
    assert r.init_duration_ms == 388.90 and r.cold


def test_snapstart_restore_duration() -> None:
    r = parse_report(fx.SNAPSTART)
    assert r.restore_duration_ms == 210.11
    assert r.billed_restore_duration_ms == 97
    assert r.init_duration_ms is None
    assert r.cold  # a restore is a new environment on the request path
    assert r.billed_duration_ms == 107


def test_timeout_status() -> None:
    r = parse_report(fx.TIMEOUT)
    assert r.status == "timeout" and r.error_type is None and not r.ok
    assert r.billed_duration_ms == 3000


def test_out_of_memory_status_and_error_type() -> None:
    r = parse_report(fx.OOM)
    assert r.status == "error"
    assert r.error_type == "Runtime.OutOfMemory"
    assert not r.ok
    assert r.max_memory_used_mb == r.memory_size_mb == 128


def test_base64_log_result_round_trip() -> None:
    assert decode_log_result(fx.b64(fx.X86_COLD)) == fx.X86_COLD
    assert parse_log_result(fx.b64(fx.ARM_WARM)).billed_duration_ms == 4


def test_last_report_line_wins() -> None:
    assert parse_report(fx.ARM_COLD + fx.ARM_WARM).billed_duration_ms == 4


@pytest.mark.parametrize("text", ["", "START RequestId: x Version: $LATEST\n", '{"type":"platform.report"}'])
def test_missing_report_line_is_an_error(text: str) -> None:
    with pytest.raises(ReportNotFound):
        parse_report(text)


def test_truncated_report_line_is_an_error() -> None:
    with pytest.raises(ValueError, match="lacks"):
        parse_report(f"REPORT RequestId: {fx.RID}\tDuration: 1.00 ms\t")


def test_log_result_that_is_not_base64() -> None:
    with pytest.raises(ValueError):
        parse_log_result("not base64!!")
