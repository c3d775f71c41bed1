"""The report parser on real, published report lines in every form (tests/tools/report_fixtures.toml)."""

from __future__ import annotations

import base64
import json

import pytest

from lambda_kit.tools.report_parser import (
    ReportNotFound,
    decode_log_result,
    iter_reports,
    parse_log_result,
    parse_report,
)
from tests.tools import fixtures as fx
from tests.tools.report_fixtures import FIXTURES, NOT_REPORTS, Fixture


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_published_report(fixture: Fixture) -> None:
    report = parse_report(fixture.text)
    got = {key: getattr(report, key) for key in fixture.expect}
    assert got == pytest.approx(fixture.expect) if _numeric(fixture.expect) else got == fixture.expect
    for key in fixture.absent:
        assert getattr(report, key) is None, f"{key} must be absent, not {getattr(report, key)!r}"


def _numeric(expect: dict[str, object]) -> bool:
    return all(isinstance(v, (int, float)) for v in expect.values())


def test_at_least_twenty_real_fixtures_cover_every_form() -> None:
    real = [f for f in FIXTURES if not f.source.startswith("hand-written")]
    assert len(real) >= 20
    forms = " | ".join(f.form for f in FIXTURES)
    for needed in (
        "LogResult",
        "tabs turned into spaces",
        "prefix",
        "X-Ray",
        "Status: timeout",
        "Error Type",
        "init error",
        "SnapStart",
        "duration only",
        "json: tracing",
        "inside JSON",
        "newlines turned into spaces",
    ):
        assert needed in forms, needed


@pytest.mark.parametrize(("source", "text"), NOT_REPORTS, ids=[s.split(" ")[0] for s, _ in NOT_REPORTS])
def test_what_is_not_a_report_says_so(source: str, text: str) -> None:
    with pytest.raises(ReportNotFound, match="not a REPORT line"):
        parse_report(text)


def test_the_same_invocation_in_text_and_json_gives_the_same_report() -> None:
    text = parse_report(
        "REPORT RequestId: 6d68ca91-49c9-448d-89b8-7ca3e6dc66aa\tDuration: 693.92 ms\tBilled Duration: 694 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 84 MB\tInit Duration: 397.68 ms\t"
    )
    # AWS docs' telemetry-schema-reference example (its trailing comma removed: the published sample is not JSON)
    json_form = parse_report(
        '{"time": "2022-10-12T00:01:15.000Z", "type": "platform.report", "record": {"metrics": {'
        '"billedDurationMs": 694, "durationMs": 693.92, "initDurationMs": 397.68, "maxMemoryUsedMB": 84, '
        '"memorySizeMB": 128}, "requestId": "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa"}}'
    )
    assert text.to_dict() | {"form": "-"} == json_form.to_dict() | {"form": "-"}


# ---------------------------------------------------------------- behaviour the consumers rely on


def test_server_time_of_a_cold_start_is_init_plus_duration() -> None:
    assert parse_report(fx.X86_COLD).server_ms == pytest.approx(431.02 + 12.34)


def test_server_time_of_a_snapstart_restore_is_restore_plus_duration() -> None:
    r = parse_report(fx.SNAPSTART)
    assert r.cold and r.init_duration_ms is None
    assert r.server_ms == pytest.approx(210.11 + 9.80)


def test_server_time_of_a_warm_start_is_the_duration() -> None:
    r = parse_report(fx.ARM_WARM)
    assert not r.cold
    assert r.server_ms == pytest.approx(3.71)


def test_an_unknown_field_does_not_drop_the_fields_after_it() -> None:
    r = parse_report(
        "REPORT RequestId: 1\tSome New Field: 7 units\tDuration: 5.50 ms\tBilled Duration: 6 ms\t"
        "Memory Size: 256 MB\tMax Memory Used: 60 MB\tInit Duration: 100.00 ms\t"
    )
    assert (r.duration_ms, r.billed_duration_ms, r.memory_size_mb, r.max_memory_used_mb) == (5.5, 6, 256, 60)
    assert r.init_duration_ms == 100.0


def test_status_success_and_missing_status_are_ok_anything_else_is_not() -> None:
    assert parse_report(FIXTURES[0].text).ok
    assert parse_report(fx.TIMEOUT).ok is False
    assert parse_report(fx.OOM).ok is False
    assert parse_report(next(f.text for f in FIXTURES if f.name == "dd-ext-managed-instances")).ok


def test_last_report_wins_and_all_are_listed_in_order() -> None:
    text = fx.ARM_COLD + fx.ARM_WARM
    assert parse_report(text).billed_duration_ms == 4
    assert [r.billed_duration_ms for r in iter_reports(text)] == [26, 4]


def test_a_report_without_duration_is_an_error_naming_the_line() -> None:
    with pytest.raises(ValueError, match="without a Duration"):
        parse_report(f"REPORT RequestId: {fx.RID}\tBilled Duration: 1 ms\t")
    with pytest.raises(ValueError, match=r"without metrics\.durationMs"):
        parse_report('{"type": "platform.report", "record": {"metrics": {"initDurationMs": 1}}}')


def test_base64_log_result_round_trip_and_errors() -> None:
    assert decode_log_result(fx.b64(fx.X86_COLD)) == fx.X86_COLD
    assert parse_log_result(fx.b64(fx.ARM_WARM)).billed_duration_ms == 4
    json_tail = next(f.text for f in FIXTURES if f.name == "pt-json-logresult")
    assert parse_log_result(base64.b64encode(json_tail.encode()).decode()).form == "json"
    with pytest.raises(ValueError, match="not base64"):
        parse_log_result("not base64!!")


def test_to_dict_keeps_absent_fields_as_none() -> None:
    d = parse_report(next(f.text for f in FIXTURES if f.name == "dd-ext-managed-instances")).to_dict()
    assert d["billed_duration_ms"] is None and d["memory_size_mb"] is None and d["cold"] is False


def test_json_and_text_reports_in_one_text_are_read_once_each_in_order() -> None:
    text = (
        '{"time":"t","type":"platform.report","record":{"requestId":"a","metrics":{"durationMs":1.0,'
        '"billedDurationMs":2},"note":"REPORT RequestId: inside-a-string\\tDuration: 99.00 ms"}}\n'
        "START RequestId: b Version: 1\n"
        "REPORT RequestId: b\tDuration: 3.00 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\t\n"
    )
    reports = list(iter_reports(text))
    assert [(r.request_id, r.form) for r in reports] == [("a", "json"), ("b", "text")]


def test_continuation_lines_stop_at_a_blank_line_and_at_the_next_report() -> None:
    text = "REPORT RequestId: 1\nDuration: 2.00 ms\n\nBilled Duration: 999 ms\nREPORT RequestId: 2\nDuration: 5.00 ms\n"
    first, second = iter_reports(text)
    assert (first.duration_ms, first.billed_duration_ms) == (2.0, None)
    assert (second.request_id, second.duration_ms) == ("2", 5.0)


def test_a_value_with_the_wrong_unit_is_not_taken_and_the_first_of_a_repeated_field_wins() -> None:
    r = parse_report("REPORT RequestId: 1\tDuration: 7.00 ms\tMemory Size: 128 ms\tDuration: 9.00 ms\t")
    assert r.duration_ms == 7.0 and r.memory_size_mb is None


def test_a_trace_header_without_root_is_kept_as_is() -> None:
    record = '{"type":"platform.report","record":{"metrics":{"durationMs":1},"tracing":{"value":"custom-id"}}}'
    assert parse_report(record).trace_id == "custom-id"
    assert parse_report(record.replace('"custom-id"', '""')).trace_id is None


def test_a_json_record_first_then_plain_text() -> None:
    # hand-written: a LogResult tail in the JSON format whose last line is a plain-text extension log
    text = (
        '{"time":"t","type":"platform.report","record":{"requestId":"r","metrics":{"durationMs":3.5,'
        '"billedDurationMs":4}}}\n[extension] shutting down\n'
    )
    assert parse_report(text).billed_duration_ms == 4


def test_a_record_whose_type_comes_after_nested_objects() -> None:
    # hand-written: the same record with "record" before "type" (key order is free in JSON), after a prefix
    text = (
        '2025-11-02T10:00:01Z {"record":{"metrics":{"durationMs":8.0,"billedDurationMs":9},"requestId":"r"},'
        '"type":"platform.report"}\n'
    )
    assert parse_report(text).duration_ms == 8.0


def test_a_json_record_inside_a_json_string() -> None:
    # hand-written in the shape of `aws logs filter-log-events` output for a function logging in JSON:
    # each event's message is the record, as a JSON string
    record = {
        "time": "t",
        "type": "platform.report",
        "record": {"metrics": {"durationMs": 5.25, "billedDurationMs": 6}},
    }
    output = json.dumps({"events": [{"logStreamName": "s", "message": json.dumps(record)}]}, indent=4)
    r = parse_report(output)
    assert (r.duration_ms, r.billed_duration_ms, r.form) == (5.25, 6, "json")


def test_a_telemetry_api_batch_only_reads_the_report() -> None:
    # the Telemetry API delivers an array of events; these two are DD_EXT's platform_start and
    # platform_report_on_demand fixtures (DataDog/datadog-lambda-extension bottlecap telemetry events.rs)
    start = (
        '{"time":"2022-10-21T14:05:03.165Z","type":"platform.start","record":{"requestId":'
        '"459921b5-681c-4a96-beb0-81e0aa586026","version":"$LATEST","tracing":{"spanId":"24cd7d670fa455f0",'
        '"type":"X-Amzn-Trace-Id","value":"Root=1-6352a70e-1e2c502e358361800241fd45;Parent=35465b3a9e2f7c6a;'
        'Sampled=1"}}}'
    )
    report = next(f.text for f in FIXTURES if f.name == "dd-ext-tracing")
    batch = f"[{start},{report}]"
    assert [r.request_id for r in iter_reports(batch)] == ["459921b5-681c-4a96-beb0-81e0aa586026"]


# ---------------------------------------------------------------- errors, types and layouts people paste


def test_what_is_not_a_report_is_quoted_in_the_error() -> None:
    expected = "not a REPORT line: no 'REPORT RequestId:' line and no JSON 'platform.report' record"
    with pytest.raises(ReportNotFound) as empty:
        parse_report("  \n ")
    assert str(empty.value) == expected + " (empty text)"
    start = "START RequestId: 8f5a2b1c-0000-4000-8000-000000000000 Version: $LATEST and a long tail of text here"
    with pytest.raises(ReportNotFound) as other:
        parse_report(f"\n{start}\nEND\n")
    assert str(other.value) == f"{expected} in {start[:80]!r}"


def test_an_error_quotes_at_most_160_characters_of_the_record_or_line() -> None:
    record = {"metrics": {"initDurationMs": 1}, "requestId": "r" * 200}
    with pytest.raises(ValueError) as from_json:
        parse_report(json.dumps({"type": "platform.report", "record": record}))
    assert str(from_json.value) == f"platform.report record without metrics.durationMs: {json.dumps(record)[:160]}"
    line = "REPORT RequestId: " + "r" * 200 + "\tBilled Duration: 1 ms"
    with pytest.raises(ValueError) as from_text:
        parse_report(line)
    assert str(from_text.value) == f"REPORT line without a Duration: {line[:160]!r}"


def test_sizes_are_whole_megabytes_in_both_forms() -> None:
    text = parse_report(fx.X86_COLD)
    json_form = parse_report('{"type":"platform.report","record":{"metrics":{"durationMs":1,"memorySizeMB":128.0}}}')
    assert type(text.memory_size_mb) is int and type(text.max_memory_used_mb) is int
    assert type(json_form.memory_size_mb) is int and json_form.memory_size_mb == 128
    assert text.form == "text" and json_form.form == "json"


def test_a_tracing_value_that_is_not_an_object_is_no_trace_id() -> None:
    record = '{"type":"platform.report","record":{"metrics":{"durationMs":1},"tracing":"Root=1-abc"}}'
    assert parse_report(record).trace_id is None


def test_a_field_after_a_repeated_one_is_still_read() -> None:
    r = parse_report("REPORT RequestId: 1\tDuration: 7.00 ms\tDuration: 9.00 ms\tBilled Duration: 8 ms\t")
    assert (r.duration_ms, r.billed_duration_ms) == (7.0, 8)


def test_two_reports_on_one_line_give_the_last() -> None:
    # newlines turned into spaces over two invocations: the line's last report is the one read
    r = parse_report("REPORT RequestId: a\tDuration: 1.00 ms REPORT RequestId: b\tDuration: 2.00 ms")
    assert (r.request_id, r.duration_ms) == ("b", 2.0)


def test_json_lines_each_give_a_report_even_one_naming_platform_report_twice() -> None:
    # hand-written: a JSON-format log tail of two invocations (one object per line is no single JSON document);
    # the first record also carries "platform.report" as a value and a "{" inside a string before its type
    text = (
        '{"record":{"requestId":"a","metrics":{"durationMs":1.0},"note":"a { b"},"type":"platform.report",'
        '"kind":"platform.report"}\n'
        '{"type":"platform.report","record":{"requestId":"b","metrics":{"durationMs":2.0}}}\n'
    )
    assert [(r.request_id, r.duration_ms) for r in iter_reports(text)] == [("a", 1.0), ("b", 2.0)]


def test_log_result_must_be_strict_base64_and_bad_utf8_is_replaced() -> None:
    with pytest.raises(ValueError, match="not base64"):
        decode_log_result("QUJD!!!!")  # "ABC" with characters outside the alphabet
    assert decode_log_result(base64.b64encode(b"REPORT \xff").decode()) == "REPORT \ufffd"
