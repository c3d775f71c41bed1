"""JSON logger: one JSON object per line on stdout, with the Lambda invocation's context.

Why our own formatter and Lambda's **Text** log format (set on the function in CDK): Lambda's native
JSON log format makes the runtime's root handler emit {timestamp, level, message, logger, requestId,
location, errorType/errorMessage/stackTrace}, but not ``cold_start`` nor the X-Ray trace id, and a
message that is already JSON ends up as an escaped string inside Lambda's JSON (double-encoded). With
the Text format, Lambda passes each line we print through unchanged and CloudWatch Logs Insights
discovers the fields of our JSON lines by itself. Our loggers do not propagate to the root logger, so
the runtime's own handler never writes a second, differently formatted copy.

The module is ``common.logging``: inside it, ``import logging`` is still the standard library because
imports are absolute (Python 3) and the package directory itself is never on ``sys.path``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged as a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",  # Python 3.12+
}

# Lambda says how this environment was initialized. Only an on-demand environment's first invoke waited
# for init; provisioned-concurrency and snap-start environments were initialized before any request, so
# a flag that is simply "first invoke of this process" would lie there. Unset (not on Lambda) = on-demand.
_INITIALIZATION_TYPE = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
_first_invoke_pending = _INITIALIZATION_TYPE == "on-demand"

# Context of the invocation in progress. A Lambda environment runs one invocation at a time.
_invocation: dict[str, Any] = {"request_id": None, "cold_start": None}


def start_invocation(context: Any) -> bool:
    """Bind the request id and cold-start flag to every log line of this invocation; return cold_start.

    Call it first thing in the handler.
    """
    global _first_invoke_pending
    cold_start = _first_invoke_pending
    _first_invoke_pending = False
    _invocation["request_id"] = getattr(context, "aws_request_id", None)
    _invocation["cold_start"] = cold_start
    return cold_start


def xray_trace_id() -> str | None:
    """The Root of the trace header Lambda sets for each invocation (``Root=1-...;Parent=...;Sampled=1``)."""
    header = os.environ.get("_X_AMZN_TRACE_ID", "")
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "Root" and value:
            return value
    return None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _invocation["request_id"],
            "xray_trace_id": xray_trace_id(),
            "cold_start": _invocation["cold_start"],
        }
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, exc_value, _ = record.exc_info
            entry["exception_type"] = exc_type.__name__
            entry["exception_message"] = str(exc_value)
            # One line, escaped by json: on the Text log format a raw multi-line traceback would be
            # split into one CloudWatch event per line.
            entry["traceback"] = self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in entry:
                entry[key] = value
        # default=str: an unserializable extra must not turn a log call into an exception. ASCII (non-ASCII
        # as \uXXXX escapes, which Logs Insights decodes): no field can make the line fail to encode.
        return json.dumps(entry, default=str)


def _level_from_env(default: int = logging.INFO) -> int:
    name = os.environ.get("LOG_LEVEL", "").strip().upper()
    level = logging.getLevelName(name) if name else default
    # getLevelName returns "Level X" for unknown names: keep logging rather than fail the function.
    return level if isinstance(level, int) else default


def setup_logger(name: str, level: int | str | None = None, stream: Any = None) -> logging.Logger:
    """A logger writing JSON lines to stdout; level from ``level``, else LOG_LEVEL, else INFO.

    Idempotent: calling it again replaces the handler instead of adding a duplicate.
    """
    logger = logging.getLogger(name)
    logger.setLevel(_level_from_env() if level is None else level)
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(JsonFormatter())
    logger.handlers = [handler]
    logger.propagate = False
    return logger
