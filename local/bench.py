"""Cold-start benchmark: import + first request, fresh Lambda-mode processes, against moto server.

    python -m local.bench [--runs 30] [--importtime]

Variants, started in turn (interleaved, rotating which goes first) so drift on the machine hits all
alike: (a) the seed's exercises 1+5 as published (bench/seed_handler.py), (b) this repo's handler
(lambda_src/orders/handler.py) with each tracing backend a stage can select (``tracing``: (b) xray-sdk,
(b-otel) OpenTelemetry, (b-off) none; each with its stage's dependencies layer only), (c) the floor:
bare botocore making the same calls (bench/floor_handler.py). Each run is a new process with
``LAMBDA_TASK_ROOT`` set (Lambda mode, spans to a local UDP listener) whose first request is a POST of a
new order. The time is what Lambda bills on an on-demand cold start: init (import of the handler module)
plus the first invocation, measured inside the process. Prints medians and the ratios; targets (b)/(c) <= 1.10,
(b-otel)/(c) <= 1.20.

``--no-bytecode`` runs the code from a copy without ``__pycache__`` and with ``python -B``, as on
Lambda: the deployment package has no ``.pyc`` (the asset excludes them) and ``/var/task`` is
read-only, so the function's own modules are compiled on every cold start; the runtime's botocore
is precompiled (here: the venv's ``.pyc``).

``--importtime`` runs each variant once more under ``python -X importtime`` and shows, per top-level
package, the import time spent during init and the first request: what costs what, and what each
tracing backend adds over (b-off).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.emulator import CONFIG_BUCKET, REPO_ROOT, TABLE_NAME, MotoServer, provision
from local.lambda_process import COMMON_LAYER, LambdaProcess, lambda_env, lambda_site_paths
from local.tracing_layers import backend_env, function_paths
from local.xray_listener import XRayListener

BENCH_DIR = REPO_ROOT / "bench"
TARGET_RATIO = 1.10


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    handler: str
    task_root: Path
    tracing: str | None = None  # a stage's tracing backend: its env and dependencies layer (None: as before)
    target: float | None = None  # the ratio to (c) it must stay under


ORDERS = REPO_ROOT / "lambda_src"
VARIANTS = (
    Variant("a", "seed: patch_all + boto3.resource", "seed_handler.lambda_handler", BENCH_DIR),
    Variant("b", "this handler, tracing xray-sdk", "orders.handler.lambda_handler", ORDERS, "xray-sdk", TARGET_RATIO),
    Variant("b-otel", "this handler, tracing otel", "orders.handler.lambda_handler", ORDERS, "otel", 1.20),
    Variant("b-off", "this handler, tracing off", "orders.handler.lambda_handler", ORDERS, "off"),
    Variant("c", "floor: bare botocore", "floor_handler.lambda_handler", BENCH_DIR),
)


@dataclass(frozen=True)
class Options:
    """Where the variants' code is read from, and the interpreter flags of every run."""

    code_root: Path = REPO_ROOT  # holds lambda_src/, bench/ and layers/common/python/
    python_flags: tuple[str, ...] = ()

    def task_root(self, variant: Variant) -> Path:
        return self.code_root / variant.task_root.relative_to(REPO_ROOT)

    def paths(self, variant: Variant) -> list[str]:
        common = self.code_root / COMMON_LAYER.relative_to(REPO_ROOT)
        layers = function_paths(variant.tracing)[2:] if variant.tracing else lambda_site_paths()[2:]
        return [str(self.task_root(variant)), str(common), *layers]


def copy_without_bytecode(target: Path) -> Options:
    for part in ("lambda_src", "bench", "layers/common/python"):
        shutil.copytree(REPO_ROOT / part, target / part, ignore=shutil.ignore_patterns("__pycache__"))
    return Options(code_root=target, python_flags=("-B",))


@dataclass(frozen=True)
class Sample:
    init_ms: float
    first_invoke_ms: float
    cpu_ms: float  # CPU time of init + first request: what the code costs, whatever else the machine runs

    @property
    def total_ms(self) -> float:
        return self.init_ms + self.first_invoke_ms


def order_event() -> dict[str, Any]:
    event: dict[str, Any] = json.loads((REPO_ROOT / "events" / "post_order.json").read_text())
    body = json.loads(event["body"])
    body["order_id"] = f"bench-{uuid.uuid4().hex[:16]}"
    event["body"] = json.dumps(body)
    return event


def cold_start(
    variant: Variant, endpoint: str, xray_address: str, options: Options, extra_flags: tuple[str, ...] = ()
) -> tuple[Sample, list[str]]:
    """One fresh environment: init, one POST; returns the sample and the process's output lines."""
    function_env = {"TABLE_NAME": TABLE_NAME, "CONFIG_BUCKET": CONFIG_BUCKET}
    env = lambda_env(endpoint, function_env | (backend_env(variant.tracing) if variant.tracing else {}), xray_address)
    env["LAMBDA_TASK_ROOT"] = str(options.task_root(variant))
    process = LambdaProcess(
        env, handler=variant.handler, paths=options.paths(variant), python_flags=options.python_flags + extra_flags
    )
    with process:
        invocation = process.invoke(order_event())
        if invocation.error or invocation.result["statusCode"] not in (200, 201):
            raise RuntimeError(f"{variant.key}: first request failed: {invocation.error or invocation.result}")
        assert process.init_ms is not None and process.init_cpu_ms is not None
        sample = Sample(process.init_ms, invocation.duration_ms, process.init_cpu_ms + invocation.cpu_ms)
    return sample, process.output()


def run(runs: int, endpoint: str, xray_address: str, options: Options) -> dict[str, list[Sample]]:
    for variant in VARIANTS:  # warm-up, discarded: writes .pyc files (unless -B), fills the page cache
        cold_start(variant, endpoint, xray_address, options)
    samples: dict[str, list[Sample]] = {v.key: [] for v in VARIANTS}
    for i in range(runs):
        order = VARIANTS[i % len(VARIANTS) :] + VARIANTS[: i % len(VARIANTS)]  # rotate who goes first
        for variant in order:
            samples[variant.key].append(cold_start(variant, endpoint, xray_address, options)[0])
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


def ratios(med: dict[str, float]) -> str:
    to_floor = "   ".join(f"({v.key})/(c) = {med[v.key] / med['c']:.3f}" for v in VARIANTS if v.key != "c")
    return f"{to_floor}   (b)/(a) = {med['b'] / med['a']:.3f}"


def report(samples: dict[str, list[Sample]], runs: int) -> list[str]:
    med = {k: statistics.median(s.total_ms for s in v) for k, v in samples.items()}
    cpu = {k: statistics.median(s.cpu_ms for s in v) for k, v in samples.items()}
    lines = [f"cold start = init + first request, median of {runs} fresh processes each (ms):"]
    for variant in VARIANTS:
        s = samples[variant.key]
        lines.append(
            f"  {'(' + variant.key + ')':<8} {variant.label:<32} {med[variant.key]:7.1f}"
            f"   init {statistics.median(x.init_ms for x in s):6.1f}"
            f" + first request {statistics.median(x.first_invoke_ms for x in s):5.1f}"
            f"   CPU {cpu[variant.key]:6.1f}"
            f"   (wall min {min(x.total_ms for x in s):.1f}, max {max(x.total_ms for x in s):.1f})"
        )
    lines += [
        f"ratios, wall time: {ratios(med)}",
        f"ratios, CPU time:  {ratios(cpu)}   (steadier when other processes share the machine)",
    ]
    for v in VARIANTS:
        if v.target is not None:
            ratio = med[v.key] / med["c"]
            lines.append(f"target ({v.key})/(c) <= {v.target:.2f} (wall): {'met' if ratio <= v.target else 'NOT met'}")
    return lines


def importtime_report(endpoint: str, xray_address: str, options: Options, top: int = 8) -> list[str]:
    lines = ["import time (self, summed per top-level package) during init + first request, one run each:"]
    per_variant = {}
    for variant in VARIANTS:
        _, output = cold_start(variant, endpoint, xray_address, options, extra_flags=("-X", "importtime"))
        per_variant[variant.key] = import_costs(output)
        lines.append(f"  {'(' + variant.key + ')':<8} {_top(per_variant[variant.key], top)}")
    # What a tracing backend adds: the packages the untraced handler (b-off) never imports. (Differences of
    # shared packages between two single runs are mostly noise.)
    for key in ("b", "b-otel"):
        added = {name: ms for name, ms in per_variant[key].items() if name not in per_variant["b-off"]}
        lines.append(f"  ({key}) adds over (b-off): {_top(added, top)}")
    return lines


def _top(costs: dict[str, float], top: int) -> str:
    ranked = sorted(costs.items(), key=lambda kv: -kv[1])
    return f"total {sum(costs.values()):6.1f} ms: " + ", ".join(f"{name} {ms:.1f}" for name, ms in ranked[:top])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="cold starts per variant (default 30)")
    parser.add_argument("--importtime", action="store_true", help="also break import time down per package")
    parser.add_argument("--no-bytecode", action="store_true", help="no .pyc for the functions' code, as on Lambda")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be >= 1")
    with tempfile.TemporaryDirectory() as tmp, MotoServer() as moto, XRayListener() as xray:
        options = copy_without_bytecode(Path(tmp)) if args.no_bytecode else Options()
        provision(moto.endpoint_url)
        samples = run(args.runs, moto.endpoint_url, xray.address, options)
        print(f"code: {'no .pyc, python -B (as on Lambda)' if args.no_bytecode else 'with .pyc'}")
        for line in report(samples, args.runs):
            print(line)
        if args.importtime:
            for line in importtime_report(moto.endpoint_url, xray.address, options):
                print(line)
    flags = "".join(f" --{f}" for f, on in (("importtime", args.importtime), ("no-bytecode", args.no_bytecode)) if on)
    print(f"reproduce: .venv/bin/python -m local.bench --runs {args.runs}{flags}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
