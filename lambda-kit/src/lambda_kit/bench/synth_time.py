"""``lambda-kit bench-synth``: synth-time, resource and package-size report of the project (the working directory's
CDK app) next to a bare one-function CDK app.

    lambda-kit bench-synth [--runs 5] [CDK_SYNTH_ARGS ...]      (e.g. -c stage=all)

Both apps are synthesized by the ``cdk`` on PATH (the project's pinned CLI, when the Makefile runs it),
interleaved in one run (a noisy machine: compare the ratio, not the seconds), the bare one with the project's
cdk.json (its feature flags). Each run writes to a fresh output directory, so every asset is really bundled each
time.
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
        times: dict[str, list[float]] = {"bare": [], "project": []}
        for run in range(args.runs):  # interleaved: drift on the machine hits both alike
            times["bare"].append(_synth(bare_dir, work / f"bare-{run}"))
            times["project"].append(_synth(Path.cwd(), work / f"project-{run}", *synth_args))
        out = CloudAssembly(work / f"project-{args.runs - 1}")

        label = " ".join(synth_args) or "default"
        print(f"synth time, median of {args.runs} interleaved runs (cdk synth --quiet, fresh cdk.out):")
        bare, project_s = statistics.median(times["bare"]), statistics.median(times["project"])
        print(f"  bare one-function app : {bare:6.2f} s   {[round(t, 2) for t in times['bare']]}")
        print(f"  this app, {label:<11} : {project_s:6.2f} s   {[round(t, 2) for t in times['project']]}")
        print(f"  ratio this/bare       : {project_s / bare:6.2f}x")
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
