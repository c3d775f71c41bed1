"""``lambda-kit bench-synth``: synth-time, resource and package-size report of the project (the working directory's
CDK app) next to a bare one-function CDK app.

    lambda-kit bench-synth [--runs 5] [CDK_SYNTH_ARGS ...]      (e.g. -c stage=all)

Both apps are synthesized by the ``cdk`` on PATH (the project's pinned CLI, when the Makefile runs it),
interleaved in one run (a noisy machine: compare the ratio, not the seconds), the bare one with the project's
cdk.json (its feature flags). Each run writes to a fresh output directory, so every asset is really bundled each
time. The bare app is also timed with ``--no-validation``: CDK's built-in CloudFormation validation (a WASM engine
loaded in every synth since aws-cdk-lib 2.2xx) is a large part of a small app's synth, and an app may leave it out.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from lambda_kit.assembly.cloud_assembly import CloudAssembly
from lambda_kit.bench.asset_sizes import report as asset_report

BARE_APP = """
import aws_cdk as cdk
from aws_cdk import aws_lambda as _lambda

app = cdk.App()
stack = cdk.Stack(app, "bare-one-function")
_lambda.Function(stack, "Fn", runtime=_lambda.Runtime.PYTHON_3_14, handler="index.handler",
                 code=_lambda.Code.from_inline("def handler(event, context):\\n    return 1\\n"))
app.synth()
"""


def _bare_app_dir(parent: Path) -> Path:
    """A bare app with the same cdk.json (feature flags) and interpreter as the project."""
    app_dir = parent / "bare-app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(BARE_APP)
    cdk_json = json.loads((Path.cwd() / "cdk.json").read_text())
    (app_dir / "cdk.json").write_text(json.dumps(cdk_json))
    return app_dir


def _synth(cwd: Path, outdir: Path, *extra: str) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        ["cdk", "synth", "--quiet", "-o", str(outdir), *extra],
        cwd=cwd,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"cdk synth failed in {cwd}:\n{result.stderr}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda-kit bench-synth", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args, synth_args = parser.parse_known_args(argv)
    work = Path(tempfile.mkdtemp(prefix="synth-bench-"))
    try:
        bare_dir = _bare_app_dir(work)
        label = f"this app, {' '.join(synth_args) or 'default'}"
        runs = {
            "bare one-function app": (bare_dir, ()),
            "bare one-function app, --no-validation": (bare_dir, ("--no-validation",)),
            label: (Path.cwd(), tuple(synth_args)),
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        for run in range(args.runs):  # interleaved: drift on the machine hits all alike
            for n, (name, (cwd, extra)) in enumerate(runs.items()):
                times[name].append(_synth(cwd, work / f"{n}-{run}", *extra))
        out = CloudAssembly(work / f"{len(runs) - 1}-{args.runs - 1}")

        print(f"synth time, median of {args.runs} interleaved runs (cdk synth --quiet, fresh cdk.out):")
        medians = {name: statistics.median(series) for name, series in times.items()}
        width = max(map(len, runs))
        for name, series in times.items():
            print(f"  {name:<{width}} : {medians[name]:6.2f} s   {[round(t, 2) for t in series]}")
        for bare, ratio in zip(list(runs)[:2], ("ratio this/bare", "ratio this/bare, --no-validation"), strict=True):
            print(f"  {ratio:<{width}} : {medians[label] / medians[bare]:6.2f}x")
        for stack in out.stacks.values():
            counts = Counter(r["Type"] for r in stack.resources.values())
            print(f"\n{stack.name}: {sum(counts.values())} resources")
            for type_, n in sorted(counts.items()):
                print(f"  {n:3d}  {type_}")
        print()
        print("\n".join(asset_report(list(out.stacks.values()))))
        print(f"\nreproduce: lambda-kit bench-synth --runs {args.runs} {' '.join(synth_args)}".rstrip())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
