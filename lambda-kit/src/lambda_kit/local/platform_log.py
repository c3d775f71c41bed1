"""Lambda's own lines in an execution environment's log stream, in the function's log format (``LoggingConfig``'s
``LogFormat``).

- **Text**: ``INIT_START``, ``START``, ``END``, ``REPORT`` (tab-separated, each field tab-terminated) and, for a
  traced invocation, ``XRAY``; ``INIT_REPORT`` when init fails.
- **JSON**: one object per line, ``{"time", "type", "record"}``: ``platform.initStart``, ``platform.start`` and
  ``platform.report`` (its ``metrics`` the REPORT line's fields, its ``tracing`` the trace header), and
  ``platform.initReport`` when init fails.
- **Lambda Managed Instances** (``FunctionConfig.max_concurrency``; always JSON): the records LMI writes.
  ``platform.initStart`` names the instance, ``platform.initReport`` follows every init (no request waits for it,
  so no report carries an Init Duration), ``platform.start`` names the function's ARN, and ``platform.report``
  carries ``durationMs`` only: LMI bills instances, not durations, and reports no memory per request.

The records' fields are those of AWS's runtime interface emulator for Lambda Managed Instances
(aws/aws-lambda-runtime-interface-emulator, ``internal/lambda-managed-instances/interop/events_api.go``: InitStartData,
InitReportData, InvokeStartData, ReportData) and of the Telemetry API's schema reference
(docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lambda_kit.local.sandbox import FunctionConfig, log_stream_name

# What Lambda's managed runtime reports at init; the version suffix marks this as the local stand-in.
RUNTIME_VERSION = "python:3.14.local"
TRACE_HEADER_TYPE = "X-Amzn-Trace-Id"


@dataclass(frozen=True)
class Report:
    """The fields of Lambda's report of one invocation."""

    request_id: str
    duration_ms: float
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None  # the first invocation of an on-demand environment
    status: str | None = None  # "timeout", "error" (Error Type then follows)
    error_type: str | None = None

    @property
    def billed_duration_ms(self) -> int:
        # Since 2025-08-01 Lambda bills the INIT phase of on-demand environments (managed runtimes, ZIP):
        # the first invocation's Billed Duration then includes Init Duration.
        return math.ceil(self.duration_ms + (self.init_duration_ms or 0.0))

    def line(self) -> str:
        """The Text format's REPORT line."""
        fields = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {self.billed_duration_ms} ms",
            f"Memory Size: {self.memory_size_mb} MB",
            f"Max Memory Used: {self.max_memory_used_mb} MB",
        ]
        if self.init_duration_ms is not None:
            fields.append(f"Init Duration: {self.init_duration_ms:.2f} ms")
        if self.status:
            fields.append(f"Status: {self.status}")
        if self.error_type:
            fields.append(f"Error Type: {self.error_type}")
        return "\t".join(fields) + "\t"


def xray_line(trace_header: str) -> str:
    """What Lambda adds after REPORT when the invocation is traced (Root and Parent of the trace header)."""
    parts = _header_parts(trace_header)
    sampled = "true" if parts.get("Sampled") == "1" else "false"
    return f"XRAY TraceId: {parts.get('Root', '')}\tSegmentId: {parts.get('Parent', '')}\tSampled: {sampled}\t"


def _header_parts(trace_header: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in trace_header.split(";") if "=" in p)


class PlatformLog:
    """The platform lines of an environment of ``config``, in its log format."""

    def __init__(self, config: FunctionConfig) -> None:
        self._config = config
        self.json = config.json_logs
        self.managed = config.max_concurrency is not None

    def _event(self, kind: str, record: dict[str, Any]) -> str:
        now = datetime.now(UTC)
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
        return json.dumps({"time": stamp, "type": kind, "record": record}, separators=(",", ":"))

    def init_start(self) -> str:
        config = self._config
        runtime_arn = f"arn:aws:lambda:{config.region}::runtime:local"
        if not self.json:
            return f"INIT_START Runtime Version: {RUNTIME_VERSION}\tRuntime Version ARN: {runtime_arn}"
        record: dict[str, Any] = {
            "initializationType": config.initialization_type,
            "phase": "init",
            "runtimeVersion": RUNTIME_VERSION,
            "runtimeVersionArn": runtime_arn,
            "functionName": config.name,
            "functionVersion": config.version,
        }
        if self.managed:
            record["instanceId"] = log_stream_name(config)
            record["instanceMaxMemory"] = config.memory_mb * 1024 * 1024
        return self._event("platform.initStart", record)

    def init_report(self, duration_ms: float, error_type: str | None) -> str | None:
        """After init: always on managed instances, else only when init failed (None: no line)."""
        if error_type is None and not self.managed:
            return None
        if not self.json:
            return (
                f"INIT_REPORT Init Duration: {duration_ms:.2f} ms\tPhase: init\tStatus: error\tError Type: {error_type}"
            )
        record: dict[str, Any] = {
            "initializationType": self._config.initialization_type,
            "phase": "init",
            "status": "success" if error_type is None else "error",
            "metrics": {"durationMs": round(duration_ms, 3)},
        }
        if error_type is not None:
            record["errorType"] = error_type
        return self._event("platform.initReport", record)

    def start(self, request_id: str, invoked_arn: str, trace_header: str | None) -> str:
        if not self.json:
            return f"START RequestId: {request_id} Version: {self._config.version}"
        record: dict[str, Any] = {"requestId": request_id, "version": self._config.version}
        if self.managed:
            record["functionArn"] = invoked_arn
        return self._event("platform.start", self._traced(record, trace_header))

    def end(self, request_id: str) -> str | None:
        """The Text format's END line (the JSON format has no such record in the log)."""
        return None if self.json else f"END RequestId: {request_id}"

    def report(self, report: Report, trace_header: str | None, error_type: str | None = None) -> str:
        """``error_type``: the invocation's error (the function's, a timeout's, the runtime's exit), which the JSON
        record names; the Text line names only the runtime's (``report.error_type``)."""
        if not self.json:
            return report.line()
        metrics: dict[str, Any] = {"durationMs": round(report.duration_ms, 3)}
        if not self.managed:
            metrics.update(
                billedDurationMs=report.billed_duration_ms,
                memorySizeMB=report.memory_size_mb,
                maxMemoryUsedMB=report.max_memory_used_mb,
            )
            if report.init_duration_ms is not None:
                metrics["initDurationMs"] = round(report.init_duration_ms, 3)
        status = report.status or ("error" if error_type else "success")
        record: dict[str, Any] = {"requestId": report.request_id, "status": status, "metrics": metrics}
        if error_type:
            record["errorType"] = error_type
        return self._event("platform.report", self._traced(record, trace_header))

    def trace(self, trace_header: str | None) -> str | None:
        """The Text format's XRAY line after REPORT (the JSON records carry the header in ``tracing``)."""
        return xray_line(trace_header) if trace_header and not self.json else None

    @staticmethod
    def _traced(record: dict[str, Any], trace_header: str | None) -> dict[str, Any]:
        if trace_header:
            span = _header_parts(trace_header).get("Parent")
            record["tracing"] = {"spanId": span, "type": TRACE_HEADER_TYPE, "value": trace_header}
        return record
