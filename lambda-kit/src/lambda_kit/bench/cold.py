"""The cold half of ``lambda-kit bench``: fresh environments per row, init + first request; import costs."""

from __future__ import annotations

import shutil
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from lambda_kit.bench.rows import BenchConfig, Options, Row, target_lines
from lambda_kit.local.sandbox import FunctionConfig


def _copy(source: Path, target: Path) -> Path:
    if not target.exists():  # rows that share a path share its copy
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"), symlinks=False)
    return target


def copy_without_bytecode(options: Options, target: Path) -> Options:
    """``options`` running every row's code and layers from copies without ``__pycache__``, with ``python -B``:
    as on Lambda, whose zips hold no bytecode (a CDK asset excludes it, a layer installed with --no-compile has
    none) and whose /var/task and /opt are read-only, so nothing compiled is kept."""
    copies: dict[Path, Path] = {}

    def copy(path: Path) -> Path:
        if path not in copies:
            copies[path] = _copy(path, target / str(len(copies)))
        return copies[path]

    configs: dict[str, FunctionConfig] = {
        key: config.but(task_root=copy(config.task_root), layers=tuple(copy(layer) for layer in config.layers))
        for key, config in options.configs.items()
    }
    return replace(options, configs=configs, python_flags=("-B",))


@dataclass(frozen=True)
class Sample:
    init_ms: float
    first_invoke_ms: float
    cpu_ms: float  # CPU time of init + first request: what the code costs, whatever else the machine runs

    @property
    def total_ms(self) -> float:
        return self.init_ms + self.first_invoke_ms


def cold_start(
    bench: BenchConfig, row: Row, options: Options, extra_flags: tuple[str, ...] = ()
) -> tuple[Sample, list[str]]:
    """One fresh environment: init, one request; returns the sample and the environment's log lines."""
    with options.environment(row, extra_flags) as process:
        invocation = process.invoke(bench.request())
        if invocation.error or invocation.result["statusCode"] not in (200, 201):
            raise RuntimeError(f"{row.key}: first request failed: {invocation.error or invocation.result}")
        assert process.init_ms is not None and process.init_cpu_ms is not None
        sample = Sample(process.init_ms, invocation.duration_ms, process.init_cpu_ms + invocation.cpu_ms)
        return sample, process.output()


def run_cold(bench: BenchConfig, runs: int, options: Options) -> dict[str, list[Sample]]:
    rows = bench.rows
    for row in rows:  # warm-up, discarded: writes .pyc files (unless -B), fills the page cache
        cold_start(bench, row, options)
    samples: dict[str, list[Sample]] = {row.key: [] for row in rows}
    for i in range(runs):
        shift = i % len(rows)
        for row in rows[shift:] + rows[:shift]:  # rotate who goes first
            samples[row.key].append(cold_start(bench, row, options)[0])
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


def per_round_ratio(
    samples: dict[str, list[Sample]], value: Callable[[str, int], float]
) -> Callable[[str, str], float]:
    """Median over rounds of ``value(row, i) / value(baseline, i)``: a round starts every row back to back,
    so what the machine's load does over minutes cancels out of each ratio."""
    rounds = range(len(next(iter(samples.values()))))
    return lambda row, baseline: statistics.median(value(row, i) / value(baseline, i) for i in rounds)


def cold_report(bench: BenchConfig, samples: dict[str, list[Sample]], runs: int) -> list[str]:
    runtime = bench.runtime_row
    pairs = list(dict.fromkeys((t.row, t.baseline) for t in bench.cold_targets))
    med = {k: statistics.median(s.total_ms for s in v) for k, v in samples.items()}
    cpu = {k: statistics.median(s.cpu_ms for s in v) for k, v in samples.items()}
    lines = [f"cold start = Init Duration + first request's Duration, median of {runs} fresh environments (ms):"]
    for row in bench.rows:
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
            samples, lambda k, i: samples[k][i].total_ms - samples[runtime][i].total_ms
        ),
        "the code's own part, CPU": per_round_ratio(
            samples, lambda k, i: samples[k][i].cpu_ms - samples[runtime][i].cpu_ms
        ),
    }
    lines.append(f"ratios, median of the {runs} rounds' ratios (own part: minus ({runtime}) of the same round):")
    for label, ratio in views.items():
        lines.append(f"  {label + ':':<28} " + "   ".join(f"({r})/({b}) = {ratio(r, b):.3f}" for r, b in pairs))
    lines += target_lines(bench.cold_targets, views["the code's own part, wall"], "the code's own part, wall")
    return lines


def _top(costs: dict[str, float], top: int) -> str:
    ranked = sorted(costs.items(), key=lambda kv: -kv[1])
    return f"total {sum(costs.values()):6.1f} ms: " + ", ".join(f"{name} {ms:.1f}" for name, ms in ranked[:top])


def importtime_report(bench: BenchConfig, options: Options, top: int = 8) -> list[str]:
    lines = ["import time (self, summed per top-level package) during init + first request, one run each:"]
    costs = {}
    for row in bench.rows:
        _, output = cold_start(bench, row, options, extra_flags=("-X", "importtime"))
        costs[row.key] = import_costs(output)
        lines.append(f"  ({row.key:<10}) {_top(costs[row.key], top)}")
    untraced = bench.untraced_row
    if untraced is None:
        return lines
    # What a tracer adds: the packages the same function without one never imports. (Differences in shared
    # packages between two single runs are mostly noise.)
    lines.append(f"what each tracing backend adds over ({untraced}): the packages only it imports")
    for key in bench.traced_rows:
        added = {name: ms for name, ms in costs[key].items() if name not in costs[untraced]}
        lines.append(f"  ({key:<10}) {_top(added, top)}")
    return lines
