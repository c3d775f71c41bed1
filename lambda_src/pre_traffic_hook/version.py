"""Invoking the new version through Lambda's Invoke API: the invoke function the hook runs the smoke cases with.

``LogType="Tail"`` returns the end of the invocation's log, whose REPORT line holds Lambda's ``Duration``: the same
number as the version's Duration metric, init excluded. The budget is checked against it, so a case that runs in a
fresh environment of the new version (none is provisioned before traffic shifts to it) does not fail for its cold
start; without a REPORT line (an Invoke API that sends none), the call's wall time counts instead, init included.
A function with the JSON log format (every managed-instances function) reports as a ``platform.report`` record:
its ``metrics.durationMs`` is the same Duration.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import ClientError

from pre_traffic_hook.smoke import Invocation, Invoke

# Duration, not Init, Billed or Restore Duration, wherever it stands on the REPORT line.
_DURATION = re.compile(r"(?<!Init )(?<!Billed )(?<!Restore )\bDuration: (?P<ms>\d+(?:\.\d+)?) ms")
# The hook's grant names the version that this very deploy published: IAM may not have propagated it yet when
# CodeDeploy calls the hook (IAM is eventually consistent). Wait this long before each retry of a denied invoke.
ACCESS_DENIED_DELAYS_SECONDS = (2.0, 4.0, 8.0)


def report_duration_ms(log_result: str | None) -> float | None:
    """Lambda's Duration from the REPORT line or ``platform.report`` record of an Invoke response's ``LogResult``
    (base64), or None."""
    if not log_result:
        return None
    try:
        text = base64.b64decode(log_result).decode(errors="replace")
    except binascii.Error:
        return None
    for line in text.splitlines():
        if line.startswith("REPORT RequestId:") and (match := _DURATION.search(line)):
            return float(match["ms"])
        if (duration := _json_report_duration(line)) is not None:
            return duration
    return None


def _json_report_duration(line: str) -> float | None:
    """``record.metrics.durationMs`` of a JSON log format ``platform.report`` line, or None for any other line."""
    if '"platform.report"' not in line:
        return None
    try:
        record = json.loads(line)
        duration = record["record"]["metrics"]["durationMs"] if record.get("type") == "platform.report" else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return float(duration) if isinstance(duration, int | float) else None


def version_invoker(
    client: Any,
    version_arn: str,
    *,
    clock: Callable[[], float] = time.perf_counter,
    sleep: Callable[[float], None] = time.sleep,
    access_denied_delays: Sequence[float] = ACCESS_DENIED_DELAYS_SECONDS,
) -> Invoke:
    """An invoke function that sends each event to ``version_arn`` synchronously, with ``client`` (botocore's
    lambda client)."""

    def invoke(event: dict[str, Any]) -> Invocation:
        payload = json.dumps(event).encode()
        for delay in (*access_denied_delays, None):
            started = clock()
            try:
                response = client.invoke(
                    FunctionName=version_arn, InvocationType="RequestResponse", LogType="Tail", Payload=payload
                )
                break
            except ClientError as error:
                if delay is None or error.response["Error"]["Code"] != "AccessDeniedException":
                    raise
                sleep(delay)
        wall_ms = (clock() - started) * 1000
        raw = response["Payload"].read()
        duration = report_duration_ms(response.get("LogResult"))
        return Invocation(
            json.loads(raw) if raw else None,
            response.get("FunctionError"),
            wall_ms if duration is None else duration,
        )

    return invoke
