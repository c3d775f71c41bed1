"""Parse Lambda's ``REPORT`` platform line (Text log format) as returned by ``Invoke(LogType="Tail")``.

Examples (fields are tab-separated)::

    REPORT RequestId: 6f1c...  Duration: 12.34 ms  Billed Duration: 13 ms  Memory Size: 512 MB
        Max Memory Used: 71 MB  Init Duration: 431.02 ms
    REPORT RequestId: ...  Duration: 3000.00 ms  ...  Status: timeout
    REPORT RequestId: ...  ...  Status: error  Error Type: Runtime.OutOfMemory
    REPORT RequestId: ...  ...  Restore Duration: 210.11 ms  Billed Restore Duration: 97 ms   (SnapStart)

With X-Ray active an ``XRAY TraceId: ...`` line follows; it is ignored.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import asdict, dataclass
from typing import Any

_REPORT_RE = re.compile(r"^REPORT RequestId:\s*(?P<request_id>\S+)(?P<rest>.*)$", re.MULTILINE)
_FIELD_RE = re.compile(r"(?P<key>[A-Za-z][A-Za-z ]*?):\s*(?P<value>[^\t]+?)\s*(?=\t|$)")
_NUMBER_RE = re.compile(r"^(?P<num>-?\d+(?:\.\d+)?)\s*(?P<unit>ms|MB)?$")

_KEYS = {
    "Duration": "duration_ms",
    "Billed Duration": "billed_duration_ms",
    "Memory Size": "memory_size_mb",
    "Max Memory Used": "max_memory_used_mb",
    "Init Duration": "init_duration_ms",
    "Restore Duration": "restore_duration_ms",
    "Billed Restore Duration": "billed_restore_duration_ms",
    "Status": "status",
    "Error Type": "error_type",
}


class ReportNotFound(ValueError):
    """The log tail holds no REPORT line (e.g. it was cut to its last 4 KB, or the log format is JSON)."""


@dataclass(frozen=True)
class Report:
    request_id: str
    duration_ms: float
    billed_duration_ms: float
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None
    restore_duration_ms: float | None = None
    billed_restore_duration_ms: float | None = None
    status: str | None = None  # None = success; "timeout", "error", ...
    error_type: str | None = None

    @property
    def cold(self) -> bool:
        """A new execution environment served this request (init or SnapStart restore on the request path)."""
        return self.init_duration_ms is not None or self.restore_duration_ms is not None

    @property
    def ok(self) -> bool:
        return self.status in (None, "success")

    @property
    def server_ms(self) -> float:
        """Time Lambda reports for the request: init/restore (if any) + handler duration."""
        return (self.init_duration_ms or 0.0) + (self.restore_duration_ms or 0.0) + self.duration_ms

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["cold"] = self.cold
        return d


def _number(value: str) -> float:
    m = _NUMBER_RE.match(value.strip())
    if not m:
        raise ValueError(f"not a number: {value!r}")
    return float(m.group("num"))


def parse_report(log_text: str) -> Report:
    """Parse the last REPORT line in ``log_text`` (decoded log tail or a CloudWatch log event)."""
    matches = list(_REPORT_RE.finditer(log_text))
    if not matches:
        raise ReportNotFound("no 'REPORT RequestId:' line in the log output")
    m = matches[-1]
    fields: dict[str, object] = {"request_id": m.group("request_id")}
    for fm in _FIELD_RE.finditer(m.group("rest")):
        key = _KEYS.get(fm.group("key").strip())
        if key is None:
            continue
        raw = fm.group("value").strip()
        if key in ("status", "error_type"):
            fields[key] = raw
        elif key.endswith("_mb"):
            fields[key] = int(_number(raw))
        else:
            fields[key] = _number(raw)
    missing = [
        k for k in ("duration_ms", "billed_duration_ms", "memory_size_mb", "max_memory_used_mb") if k not in fields
    ]
    if missing:
        raise ValueError(f"REPORT line lacks {', '.join(missing)}: {m.group(0)!r}")
    return Report(**fields)  # type: ignore[arg-type]


def decode_log_result(log_result_b64: str) -> str:
    """``Invoke`` returns the last 4 KB of the log base64-encoded in ``LogResult``."""
    try:
        return base64.b64decode(log_result_b64).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"LogResult is not base64: {exc}") from exc


def parse_log_result(log_result_b64: str) -> Report:
    return parse_report(decode_log_result(log_result_b64))
