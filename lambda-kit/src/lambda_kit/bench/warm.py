"""The warm half of ``lambda-kit bench``: many requests per row in one environment each, and where a warm request
of the function spends its time."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from lambda_kit.bench.rows import BenchConfig, Options, target_lines
from lambda_kit.tools.stats import percentile


@dataclass(frozen=True)
class WarmSamples:
    durations_ms: list[float]  # Lambda's Duration of each request
    cpu_ms: list[float]

    def p(self, pct: float) -> float:
        value = percentile(self.durations_ms, pct)
        assert value is not None
        return value


def run_warm(bench: BenchConfig, requests: int, options: Options) -> dict[str, WarmSamples]:
    """One environment per row, all started first (their cold first request is not counted), then the same
    requests to each in turn, rotating which goes first."""
    rows = bench.rows
    environments = {row.key: options.environment(row).start() for row in rows}
    samples = {row.key: WarmSamples([], []) for row in rows}
    try:
        for key, environment in environments.items():
            environment.invoke(bench.request(f"warm-{key}"))
        for i in range(requests):
            shift = i % len(rows)
            for row in rows[shift:] + rows[:shift]:
                invocation = environments[row.key].invoke(bench.request(f"warm-{row.key}"))
                if invocation.error or invocation.result["statusCode"] not in (200, 201):
                    raise RuntimeError(f"{row.key}: warm request failed: {invocation.error or invocation.result}")
                samples[row.key].durations_ms.append(invocation.duration_ms)
                samples[row.key].cpu_ms.append(invocation.cpu_ms)
    finally:
        for environment in environments.values():
            environment.stop()
    return samples


def warm_report(bench: BenchConfig, samples: dict[str, WarmSamples], requests: int) -> list[str]:
    p50 = {key: s.p(50) for key, s in samples.items()}
    lines = [f"warm requests: Duration of {requests} requests per row, one environment each (ms):"]
    for row in bench.rows:
        s = samples[row.key]
        lines.append(
            f"  {row.title} p50 {p50[row.key]:6.2f}   p99 {s.p(99):6.2f}   CPU p50 {statistics.median(s.cpu_ms):5.2f}"
        )
    lines += target_lines(bench.warm_targets, lambda row, baseline: p50[row] / p50[baseline], "warm p50")
    untraced = bench.untraced_row
    if untraced is not None and bench.traced_rows:
        tracing = ", ".join(
            f"({row}) - ({untraced}) = {(p50[row] - p50[untraced]) * 1000:.0f} us" for row in bench.traced_rows
        )
        lines.append(f"what tracing adds per request, measured at p50: {tracing}")
    return lines


def warm_breakdown(bench: BenchConfig, options: Options) -> list[str]:
    """The breakdown handler (``[tool.lambda-kit.bench] breakdown``), run in its row's environment with its code
    after the layers: each step of a warm request it times itself, microseconds per request."""
    breakdown = bench.breakdown
    if breakdown is None:
        return []
    row = bench.row(breakdown.row)
    function = options.configs[row.key]
    config = function.but(handler=breakdown.handler, layers=(*function.layers, breakdown.code))
    with options.environment(row, config=config) as process:
        invocation = process.invoke({"iterations": breakdown.iterations, "request": bench.request("breakdown")})
    if invocation.error:
        raise RuntimeError(f"breakdown failed: {invocation.error}")
    steps = {name: us for name, us in invocation.result.items() if isinstance(us, float)}
    lines = [
        f"where a warm request of ({row.key}) spends its time outside AWS calls, us per request "
        f"({breakdown.iterations} repetitions, {breakdown.handler}):"
    ]
    lines += [f"  {name:<11} {us:7.1f}" for name, us in steps.items()]
    lines.append(f"  {'sum':<11} {sum(steps.values()):7.1f}")
    return lines
