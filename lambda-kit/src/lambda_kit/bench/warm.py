"""The warm half of ``local.bench``: many requests per row in one environment each, and where a warm request
of this handler spends its time."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace

from lambda_kit.bench.rows import (
    BENCH_DIR,
    ROWS,
    TRACED_ROWS,
    UNTRACED_ROW,
    WARM_TARGETS,
    Options,
    order_event,
    target_lines,
)
from lambda_kit.tools.stats import percentile

BREAKDOWN_ITERATIONS = 2000


@dataclass(frozen=True)
class WarmSamples:
    durations_ms: list[float]  # Lambda's Duration of each request
    cpu_ms: list[float]

    def p(self, pct: float) -> float:
        value = percentile(self.durations_ms, pct)
        assert value is not None
        return value


def run_warm(requests: int, options: Options) -> dict[str, WarmSamples]:
    """One environment per row, all started first (their cold first request is not counted), then the same
    requests to each in turn, rotating which goes first."""
    environments = {row.key: options.environment(row).start() for row in ROWS}
    samples = {row.key: WarmSamples([], []) for row in ROWS}
    try:
        for key, environment in environments.items():
            environment.invoke(order_event(f"warm-{key}"))
        for i in range(requests):
            shift = i % len(ROWS)
            for row in ROWS[shift:] + ROWS[:shift]:
                invocation = environments[row.key].invoke(order_event(f"warm-{row.key}"))
                if invocation.error or invocation.result["statusCode"] not in (200, 201):
                    raise RuntimeError(f"{row.key}: warm request failed: {invocation.error or invocation.result}")
                samples[row.key].durations_ms.append(invocation.duration_ms)
                samples[row.key].cpu_ms.append(invocation.cpu_ms)
    finally:
        for environment in environments.values():
            environment.stop()
    return samples


def warm_report(samples: dict[str, WarmSamples], requests: int) -> list[str]:
    p50 = {key: s.p(50) for key, s in samples.items()}
    lines = [f"warm requests: Duration of {requests} POSTs per row, one environment each (ms):"]
    for row in ROWS:
        s = samples[row.key]
        lines.append(
            f"  {row.title} p50 {p50[row.key]:6.2f}   p99 {s.p(99):6.2f}   CPU p50 {statistics.median(s.cpu_ms):5.2f}"
        )
    lines += target_lines(WARM_TARGETS, lambda row, baseline: p50[row] / p50[baseline], "warm p50")
    tracing = ", ".join(
        f"({row}) - ({UNTRACED_ROW}) = {(p50[row] - p50[UNTRACED_ROW]) * 1000:.0f} us" for row in TRACED_ROWS
    )
    lines.append(
        f"measured differences at p50: ({UNTRACED_ROW}) - (c) = {(p50[UNTRACED_ROW] - p50['c']) * 1000:.0f} us;"
        f" what tracing adds per request: {tracing}"
    )
    return lines


STEPS = (
    ("validation", "json_body, parse_order_request, item limit, fingerprint"),
    ("config", "limits from the TTL cache (a hit)"),
    ("processing", "build_order"),
    ("receipts", "HMAC-SHA256 receipt of the order"),
    ("response", "json_response"),
    ("logging", "one JSON log line to stdout"),
    ("tracing", "3 subsegments, annotation, metadata, sent over UDP"),
)


def warm_breakdown(options: Options) -> list[str]:
    """Each step of a warm POST, repeated inside a function process of row (b) (tracing on), per request."""
    row = replace(next(row for row in ROWS if row.key == "b"), handler="warm_breakdown.lambda_handler")
    with options.environment(row, layers=(options.relocate(BENCH_DIR),)) as process:
        invocation = process.invoke({"iterations": BREAKDOWN_ITERATIONS, "request": order_event("breakdown")})
    if invocation.error:
        raise RuntimeError(f"breakdown failed: {invocation.error}")
    result: dict[str, float] = invocation.result
    lines = [
        f"where a warm POST of (b) spends its time outside AWS calls, us per request ({BREAKDOWN_ITERATIONS} repetitions):"
    ]
    lines += [f"  {name:<11} {result[name]:7.1f}   {what}" for name, what in STEPS]
    lines.append(f"  {'sum':<11} {sum(result[name] for name, _ in STEPS):7.1f}")
    return lines
