"""A stubbed tools.cold_start run (botocore Stubber, no AWS): its --json report feeds `tools.cost --from-report`.

python -m tests.tools.stubbed_cold_start FILE   # writes the JSON tools.cold_start --json would print

The REPORT lines are synthetic (hand-written in Lambda's format, INIT billed as since 2025-08-01):
cold starts of ~440 ms Init Duration and warm invocations of ~5 ms, 512 MB arm64.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

from botocore.stub import ANY, Stubber

from lambda_kit.tools import cold_start, output
from lambda_kit.tools.aws import Target
from tests.tools import fixtures as fx

ENV = {"LOG_LEVEL": "INFO"}
COLD = [(12.1, 431.0), (13.4, 452.5), (11.8, 440.2), (12.9, 446.8), (12.3, 437.9)]  # (duration, init) ms
WARM = [4.8, 5.1, 4.9, 5.6, 4.7]


def _cold_line(duration: float, init: float) -> str:
    billed = math.ceil(duration + init)  # INIT billed (on-demand, managed runtime, ZIP)
    return (
        f"REPORT RequestId: {fx.RID}\tDuration: {duration:.2f} ms\tBilled Duration: {billed} ms\tMemory Size: 512 MB\t"
        f"Max Memory Used: 82 MB\tInit Duration: {init:.2f} ms\t\n"
    )


def run_stubbed() -> dict[str, Any]:
    client = fx.lambda_client()
    with Stubber(client) as stub:
        fx.stub_configuration(stub, env=ENV)
        for duration, init in COLD:
            fx.stub_update(stub, {"Environment": {"Variables": {**ENV, cold_start.NONCE_VARIABLE: ANY}}}, env=ENV)
            fx.stub_invoke(stub, _cold_line(duration, init))
        for duration in WARM:
            fx.stub_invoke(stub, fx.report_line(duration, math.ceil(duration), 512))
        fx.stub_poll(stub)
        fx.stub_update(stub, {"Environment": {"Variables": ENV}}, env=ENV)
        result = cold_start.measure(
            client,
            Target(fx.FUNCTION, "production"),
            samples=len(COLD),
            warm_samples=len(WARM),
            include_alias=False,
            payload=b"{}",
            poll_seconds=0,
        )
        stub.assert_no_pending_responses()
    return cold_start.summarize(result)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("cold-start-report.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(output.dumps(run_stubbed()) + "\n", encoding="utf-8")
    print(target)
