"""A stubbed power-tuning sweep (botocore Stubber, no AWS): used by the tests and to draw the example chart.

python -m tests.tools.stubbed_sweep [OUT_DIR]   # writes power-tuning JSON + PNG from recorded-style data
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from botocore.stub import Stubber

from lambda_kit.tools import power_tuning, pricing
from lambda_kit.tools.power_tuning.sweep import SweepOptions, sweep
from tests.tools import fixtures as fx

# A CPU-bound handler: duration falls with memory until ~1 vCPU (1,769 MB), then flattens.
# 128 MB runs out of memory.
DURATIONS_MS = {128: None, 256: 402.0, 512: 198.0, 1024: 101.0, 1536: 72.0, 2048: 66.0, 3008: 64.0}
ORIGINAL_MEMORY = 512


def stub_sweep(stub: Stubber, sizes, invocations: int, warmup: int = 1, original: int = ORIGINAL_MEMORY) -> None:
    fx.stub_configuration(stub, memory=original)
    for m in sizes:
        stub_size(stub, m)
        base = DURATIONS_MS[m]
        for i in range(warmup + invocations):
            if base is None:
                log = fx.OOM
            else:
                # spread + one slow outlier per size that the trimmed mean must drop
                d = base * (3.0 if i == warmup else 1.0 + 0.01 * (i % 5))
                log = fx.report_line(d, int(d) + 1, m, used=min(m, 90), init=300.0 if i == 0 else None)
            fx.stub_invoke(stub, log, function_error="Unhandled" if base is None else None)
    stub_restore(stub, original)


def stub_size(stub: Stubber, memory: int) -> None:
    """The sweep's move to one memory size: UpdateFunctionConfiguration(MemorySize), then the waiter."""
    fx.stub_update(stub, {"MemorySize": memory}, memory=memory)


def stub_restore(stub: Stubber, memory: int, env: dict[str, Any] | None = None) -> None:
    """The sweep's last calls: wait for the function to settle, put its memory (and environment) back, wait again."""
    fx.stub_poll(stub)
    change: dict[str, Any] = {"MemorySize": memory}
    if env is not None:
        change["Environment"] = {"Variables": env}
    fx.stub_update(stub, change, memory=memory, env=env)


def run_stubbed(
    out_dir: Path | None, strategy: str = "balanced", weight: float = 0.5, invocations: int = 10
) -> dict[str, Any]:
    client = fx.lambda_client()
    sizes = list(DURATIONS_MS)
    with Stubber(client) as stub:
        stub_sweep(stub, sizes, invocations)
        outcome = sweep(
            client,
            fx.FUNCTION,
            sizes,
            payloads=[b"{}"],
            prices_for=lambda arch: pricing.get_prices("ap-northeast-1", arch),
            options=SweepOptions(invocations=invocations, poll_seconds=0),
        )
        stub.assert_no_pending_responses()
    return power_tuning.finish(
        outcome, strategy=strategy, weight=weight, out_dir=out_dir, chart=out_dir is not None, stamp="stubbed"
    )


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("power-tuning-results")
    report = run_stubbed(out)
    # stable names for the docs: power-tuning-stubbed.{png,json}
    for key, suffix in (("chart_path", ".png"), ("json_path", ".json")):
        target = out / f"power-tuning-stubbed{suffix}"
        Path(report[key]).replace(target)
        report[key] = str(target)
    print(power_tuning.render(report))
