"""The cold half of ``local.bench``: fresh environments per row, init + first request; import costs."""

from __future__ import annotations

import shutil
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from lambda_kit.bench.rows import (
    COLD_TARGETS,
    ROWS,
    RUNTIME_ROW,
    TRACED_ROWS,
    UNTRACED_ROW,
    Options,
    Row,
    order_event,
    target_lines,
)
from lambda_kit.local.emulator import REPO_ROOT
from lambda_kit.local.sandbox import dependencies_layer
from stacks.tracing_backends import TRACING_BACKENDS


def copy_without_bytecode(options: Options, target: Path) -> Options:
    """``options`` running the code and every dependencies layer from copies without ``__pycache__``, with
    ``python -B``: as on Lambda, whose zips hold no bytecode (the asset excludes it, the layer is installed
    with --no-compile) and whose /var/task and /opt are read-only, so nothing compiled is kept."""
    for part in ("lambda_src", "bench", "layers/common/python"):
        shutil.copytree(REPO_ROOT / part, target / part, ignore=shutil.ignore_patterns("__pycache__"))
    for backend in TRACING_BACKENDS:
        dependencies_layer(backend, without_bytecode_in=target / "dependencies")
    return replace(options, code_root=target, python_flags=("-B",), dependencies_root=target / "dependencies")


@dataclass(frozen=True)
class Sample:
    init_ms: float
    first_invoke_ms: float
    cpu_ms: float  # CPU time of init + first request: what the code costs, whatever else the machine runs

    @property
    def total_ms(self) -> float:
        return self.init_ms + self.first_invoke_ms


def cold_start(row: Row, options: Options, extra_flags: tuple[str, ...] = ()) -> tuple[Sample, list[str]]:
    """One fresh environment: init, one POST; returns the sample and the environment's log lines."""
    with options.environment(row, extra_flags) as process:
        invocation = process.invoke(order_event())
        if invocation.error or invocation.result["statusCode"] not in (200, 201):
            raise RuntimeError(f"{row.key}: first request failed: {invocation.error or invocation.result}")
        assert process.init_ms is not None and process.init_cpu_ms is not None
        sample = Sample(process.init_ms, invocation.duration_ms, process.init_cpu_ms + invocation.cpu_ms)
        return sample, process.output()


def run_cold(runs: int, options: Options) -> dict[str, list[Sample]]:
    for row in ROWS:  # warm-up, discarded: writes .pyc files (unless -B), fills the page cache
        cold_start(row, options)
    samples: dict[str, list[Sample]] = {row.key: [] for row in ROWS}
    for i in range(runs):
        shift = i % len(ROWS)
        for row in ROWS[shift:] + ROWS[:shift]:  # rotate who goes first
            samples[row.key].append(cold_start(row, options)[0])
    return samples


def import_costs(lines: list[str]) -> dict[str, float]:
    """ms of import time (self) per top-level package, from ``-X importtime`` lines."""
    costs: dict[str, float] = defaultdict(float)
    for line in lines:
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        head, _cumulative, name = line.split("|")
        costs[name.strip().split(".")[0]] += int(head.split(":")[1]) / 1000
    return dict(costs)


PAIRS = [(t.row, t.baseline) for t in COLD_TARGETS] + [("a", "c")]


def per_round_ratio(
    samples: dict[str, list[Sample]], value: Callable[[str, int], float]
) -> Callable[[str, str], float]:
    """Median over rounds of ``value(row, i) / value(baseline, i)``: a round starts every row back to back,
    so what the machine's load does over minutes cancels out of each ratio."""
    rounds = range(len(samples[RUNTIME_ROW]))
    return lambda row, baseline: statistics.median(value(row, i) / value(baseline, i) for i in rounds)


def cold_report(samples: dict[str, list[Sample]], runs: int) -> list[str]:
    med = {k: statistics.median(s.total_ms for s in v) for k, v in samples.items()}
    cpu = {k: statistics.median(s.cpu_ms for s in v) for k, v in samples.items()}
    lines = [f"cold start = Init Duration + first request's Duration, median of {runs} fresh environments (ms):"]
    for row in ROWS:
        s = samples[row.key]
        lines.append(
            f"  {row.title} {med[row.key]:7.1f}"
            f"   init {statistics.median(x.init_ms for x in s):6.1f}"
            f" + first request {statistics.median(x.first_invoke_ms for x in s):5.1f}"
            f"   CPU {cpu[row.key]:6.1f}"
            f"   (wall min {min(x.total_ms for x in s):.1f}, max {max(x.total_ms for x in s):.1f})"
        )
    # The code's own part: what a row adds to the runtime starting alone, in the same round.
    views = {
        "as Lambda bills them, wall": per_round_ratio(samples, lambda k, i: samples[k][i].total_ms),
        "the code's own part, wall": per_round_ratio(
            samples, lambda k, i: samples[k][i].total_ms - samples[RUNTIME_ROW][i].total_ms
        ),
        "the code's own part, CPU": per_round_ratio(
            samples, lambda k, i: samples[k][i].cpu_ms - samples[RUNTIME_ROW][i].cpu_ms
        ),
    }
    lines.append(f"ratios, median of the {runs} rounds' ratios (own part: minus ({RUNTIME_ROW}) of the same round):")
    for label, ratio in views.items():
        lines.append(f"  {label + ':':<28} " + "   ".join(f"({r})/({b}) = {ratio(r, b):.3f}" for r, b in PAIRS))
    lines += target_lines(COLD_TARGETS, views["the code's own part, wall"], "the code's own part, wall")
    return lines


def _top(costs: dict[str, float], top: int) -> str:
    ranked = sorted(costs.items(), key=lambda kv: -kv[1])
    return f"total {sum(costs.values()):6.1f} ms: " + ", ".join(f"{name} {ms:.1f}" for name, ms in ranked[:top])


def importtime_report(options: Options, top: int = 8) -> list[str]:
    lines = ["import time (self, summed per top-level package) during init + first request, one run each:"]
    costs = {}
    for row in ROWS:
        _, output = cold_start(row, options, extra_flags=("-X", "importtime"))
        costs[row.key] = import_costs(output)
        lines.append(f"  ({row.key:<10}) {_top(costs[row.key], top)}")
    # What a backend adds: the packages this handler without a tracer never imports. (Differences in shared
    # packages between two single runs are mostly noise.)
    lines.append(f"what each tracing backend adds over ({UNTRACED_ROW}): the packages only it imports")
    for key in TRACED_ROWS:
        added = {name: ms for name, ms in costs[key].items() if name not in costs[UNTRACED_ROW]}
        lines.append(f"  ({key:<10}) {_top(added, top)}")
    return lines
