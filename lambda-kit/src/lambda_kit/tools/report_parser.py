"""Read Lambda's per-invocation report in every form people meet it, into one ``Report``.

Forms (real examples of each, with their sources, are in ``lambda-kit/tests/tools/report_fixtures.toml``):

- the **Text** ``REPORT`` line, as ``Invoke(LogType="Tail")`` returns it: tab-separated fields, an
  ``XRAY TraceId`` line after it when tracing is on;
- the same line **as people paste it**: after a timestamp or log-stream prefix (CloudWatch console,
  ``aws logs tail``, ``sam logs``), with tabs turned into spaces, with one field per line, or with the
  newlines turned into spaces;
- the **JSON** log format's ``platform.report`` record (``record.metrics.durationMs`` ...), one object
  per line as in ``LogResult`` or CloudWatch, pretty-printed, or wrapped in another JSON document
  (``aws logs filter-log-events`` output, CloudWatch Logs Insights rows);
- reports that carry only a duration (Lambda Managed Instances): what is absent stays ``None``.

Field values are matched by name, not by position, so an unknown field anywhere on the line is skipped
and the fields after it are still read.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

_REPORT_MARK = "REPORT RequestId:"
_JSON_MARK = "platform.report"

# Known Text fields -> Report fields, longest name first so "Billed Restore Duration" wins over "Restore Duration"
# and "Duration". A name must start at a boundary (start, whitespace, or the end of the previous value).
_TEXT_FIELDS = {
    "Billed Restore Duration": "billed_restore_duration_ms",
    "Restore Duration": "restore_duration_ms",
    "Billed Duration": "billed_duration_ms",
    "Init Duration": "init_duration_ms",
    "Max Memory Used": "max_memory_used_mb",
    "Memory Size": "memory_size_mb",
    "Duration": "duration_ms",
    "Status": "status",
    "Error Type": "error_type",
    "XRAY TraceId": "trace_id",
    "SegmentId": "segment_id",
    "Sampled": "sampled",
}
# A Report field's name ends in its unit (the value is read only with that unit); the other fields are words.
_UNITS = {"ms": "ms", "mb": "MB"}
_FIELD_RE = re.compile(
    r"(?<![A-Za-z])(?P<key>" + "|".join(re.escape(k) for k in _TEXT_FIELDS) + r"):\s*"
    r"(?:(?P<num>-?\d+(?:\.\d+)?)\s*(?P<unit>ms|MB)\b|(?P<word>[^\s]+))"
)
_REQUEST_ID_RE = re.compile(r"REPORT RequestId:\s*(?P<id>[^\s]+)")
# JSON metrics -> Report fields
_JSON_METRICS = {
    "durationMs": "duration_ms",
    "billedDurationMs": "billed_duration_ms",
    "memorySizeMB": "memory_size_mb",
    "maxMemoryUsedMB": "max_memory_used_mb",
    "initDurationMs": "init_duration_ms",
    "restoreDurationMs": "restore_duration_ms",
    "billedRestoreDurationMs": "billed_restore_duration_ms",
}
_INT_FIELDS = {name for name in _TEXT_FIELDS.values() if name.endswith("_mb")}  # sizes in MB: whole numbers


class ReportNotFound(ValueError):
    """The text holds no report (e.g. the 4 KB log tail was cut before it, or it is another log line)."""


@dataclass(frozen=True)
class Report:
    """One invocation's report. ``None`` means Lambda did not report the field (never "zero")."""

    request_id: str | None
    duration_ms: float
    billed_duration_ms: float | None = None
    memory_size_mb: int | None = None
    max_memory_used_mb: int | None = None
    init_duration_ms: float | None = None
    restore_duration_ms: float | None = None
    billed_restore_duration_ms: float | None = None
    status: str | None = None  # None or "success" = success; "timeout", "error", "failure"
    error_type: str | None = None
    trace_id: str | None = None
    form: str = "text"  # "text" or "json": where it came from

    @property
    def cold(self) -> bool:
        """A new execution environment served this request (init or SnapStart restore on the request path)."""
        return self.init_duration_ms is not None or self.restore_duration_ms is not None

    @property
    def ok(self) -> bool:
        return self.status in (None, "success")

    @property
    def server_ms(self) -> float:
        """Time Lambda reports for the request: init or restore (when on the request path) + handler duration."""
        return (self.init_duration_ms or 0.0) + (self.restore_duration_ms or 0.0) + self.duration_ms

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["cold"] = self.cold
        return d


# ---------------------------------------------------------------- public API


def parse_report(log_text: str) -> Report:
    """The last report in ``log_text`` (a decoded log tail, a pasted console copy, CloudWatch output)."""
    reports = list(iter_reports(log_text))
    if not reports:
        snippet = log_text.strip().splitlines()[0][:80] if log_text.strip() else ""
        raise ReportNotFound(
            "not a REPORT line: no 'REPORT RequestId:' line and no JSON 'platform.report' record"
            + (f" in {snippet!r}" if snippet else " (empty text)")
        )
    return reports[-1]


def iter_reports(text: str) -> Iterator[Report]:
    """Every report in ``text``, in order of appearance."""
    whole = _json_document(text)
    if whole is not None:
        yield from _walk(whole)
        return
    found: list[tuple[int, Report]] = []
    spans: list[tuple[int, int]] = []  # JSON objects already read: Text inside them is not read twice
    for mark in re.finditer(r'"platform\.report"', text):
        if any(a <= mark.start() < b for a, b in spans):
            continue
        decoded = _enclosing_json(text, mark.start())
        if decoded is not None:
            (start, end), obj = decoded
            spans.append((start, end))
            found += [(start, r) for r in _walk(obj)]
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    i = 0
    while i < len(lines):
        line, pos = lines[i], offsets[i]
        if _REPORT_MARK not in line or any(a <= pos + line.index(_REPORT_MARK) < b for a, b in spans):
            i += 1
            continue
        segment, i = _text_segment(lines, i)
        found.append((pos, _parse_text(segment)))
    for _, report in sorted(found, key=lambda item: item[0]):
        yield report


def _enclosing_json(text: str, mark: int, tries: int = 50) -> tuple[tuple[int, int], Any] | None:
    """The JSON object around position ``mark`` (one-line, pretty-printed or after a prefix)."""
    decoder = json.JSONDecoder()
    start = mark
    for _ in range(tries):
        start = text.rfind("{", 0, start)
        if start < 0:
            return None
        try:
            obj, end = decoder.raw_decode(text, start)
        except ValueError:
            continue
        if end > mark and isinstance(obj, dict):
            return (start, end), obj
    return None


def decode_log_result(log_result_b64: str) -> str:
    """``Invoke`` returns the last 4 KB of the log base64-encoded in ``LogResult``."""
    try:
        return base64.b64decode(log_result_b64, validate=True).decode(errors="replace")  # UTF-8, the default
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"LogResult is not base64: {exc}") from exc


def parse_log_result(log_result_b64: str) -> Report:
    return parse_report(decode_log_result(log_result_b64))


# ---------------------------------------------------------------- Text form


def _text_segment(lines: list[str], i: int) -> tuple[str, int]:
    """The REPORT text starting on line ``i``: the rest of that line, plus following lines that only carry
    fields (one field per line, or the X-Ray line). Returns the text and the index of the next line."""
    line = lines[i]
    segment = line[line.rindex(_REPORT_MARK) :]
    j = i + 1
    while j < len(lines):
        nxt = lines[j].strip()  # a blank line or the next REPORT holds no field at its start: the loop stops
        first = _FIELD_RE.search(nxt)
        # a continuation line holds fields from its start (after an optional timestamp/stream prefix)
        if first is None or not _is_prefix(nxt[: first.start()]):
            break
        segment += "\t" + nxt[first.start() :]
        j += 1
    return segment, j


_PREFIX_RE = re.compile(r"^(?:\S*\d\S*\s+)*$")  # timestamps / log stream names before the fields


def _is_prefix(text: str) -> bool:
    return _PREFIX_RE.match(text) is not None


def _parse_text(segment: str) -> Report:
    # a line quoted inside JSON, read as raw text, keeps its escapes ("...\\tDuration: ..."): undo them
    segment = segment.replace("\\t", "\t")
    fields: dict[str, Any] = {}
    rid = _REQUEST_ID_RE.search(segment)
    request_id = rid.group("id") if rid else None
    for m in _FIELD_RE.finditer(segment, rid.end() if rid else 0):
        name = _TEXT_FIELDS[m.group("key")]
        if name in fields:  # first occurrence wins (a pasted line may repeat itself)
            continue
        unit = _UNITS.get(name.rpartition("_")[2])
        if unit is None:
            fields[name] = m.group("word") if m.group("word") is not None else m.group("num")
        elif m.group("num") is not None and m.group("unit") == unit:
            fields[name] = int(float(m.group("num"))) if name in _INT_FIELDS else float(m.group("num"))
    fields.pop("segment_id", None)
    fields.pop("sampled", None)
    if "duration_ms" not in fields:
        raise ValueError(f"REPORT line without a Duration: {segment[:160]!r}")
    return Report(request_id=request_id, **fields)  # form: "text", the default


# ---------------------------------------------------------------- JSON form


def _json_document(text: str) -> Any:
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{" or (_JSON_MARK not in text and _REPORT_MARK not in text):
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def _walk(obj: Any) -> Iterator[Report]:
    """Reports inside a decoded JSON value: platform.report records, and Text or JSON reports in strings."""
    if isinstance(obj, dict):
        if obj.get("type") == _JSON_MARK and isinstance(obj.get("record"), dict):
            yield _from_record(obj["record"])
            return
        for value in obj.values():
            yield from _walk(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _walk(value)
    elif isinstance(obj, str) and (_REPORT_MARK in obj or _JSON_MARK in obj):
        yield from iter_reports(obj)


def _from_record(record: dict[str, Any]) -> Report:
    metrics = record.get("metrics") or {}
    fields: dict[str, Any] = {}
    for key, name in _JSON_METRICS.items():
        value = metrics.get(key)
        if value is not None:
            fields[name] = int(value) if name in _INT_FIELDS else float(value)
    if "duration_ms" not in fields:
        raise ValueError(f"platform.report record without metrics.durationMs: {json.dumps(record)[:160]}")
    tracing = record.get("tracing") or {}
    trace = tracing.get("value") if isinstance(tracing, dict) else None
    return Report(
        request_id=record.get("requestId"),
        status=record.get("status"),
        error_type=record.get("errorType"),
        trace_id=_root_trace_id(trace),
        form="json",
        **fields,
    )


def _root_trace_id(value: str | None) -> str | None:
    """``Root=1-...;Parent=...;Sampled=1`` -> ``1-...`` (the id the Text form prints)."""
    if not value:
        return None
    for part in value.split(";"):
        if part.startswith("Root="):
            return part[len("Root=") :]
    return value
