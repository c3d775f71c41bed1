"""Synth-time, resource and package-size report: this app next to a bare one-function CDK app.

    python -m bench.synth_time [--runs 5]        (or `make bench-synth`)

Both apps are synthesized by the project's pinned CDK CLI, interleaved in one run (this machine is
noisy: compare the ratio, not the seconds). The project synthesizes every stage, as ``make synth`` does,
under the names cdk.json gives. Each run writes to a fresh output directory, so the dependencies layer
is really bundled (pip, with pip's own cache) every time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

from stacks.project import load_project

ROOT = Path(__file__).resolve().parents[1]

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
    cdk_json = json.loads((ROOT / "cdk.json").read_text())
    (app_dir / "cdk.json").write_text(json.dumps(cdk_json))
    return app_dir


def _synth(cwd: Path, outdir: Path, *extra: str) -> float:
    # The project's Node LTS, CDK CLI and venv first, as the Makefile does.
    path = f"{ROOT / 'node_modules' / '.bin'}:{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"
    start = time.perf_counter()
    result = subprocess.run(
        ["cdk", "synth", "--quiet", "-o", str(outdir), *extra],
        cwd=cwd,
        check=False,
        env={**os.environ, "PATH": path},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"cdk synth failed in {cwd}:\n{result.stderr}")
    return elapsed


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _zipped_size(path: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "a.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                zf.write(file, file.relative_to(path))
        return archive.stat().st_size


def asset_sizes(outdir: Path, stack: str) -> list[tuple[str, int, int]]:
    """(resource path, unzipped bytes, zipped bytes) of each Lambda code asset of the stack."""
    template = json.loads((outdir / f"{stack}.template.json").read_text())
    rows = []
    for logical_id, resource in template["Resources"].items():
        meta = resource.get("Metadata", {})
        if meta.get("aws:asset:property") not in ("Code", "Content"):
            continue
        asset = outdir / meta["aws:asset:path"]
        label = meta.get("aws:cdk:path", logical_id).split("/", 1)[-1].removesuffix("/Resource")
        rows.append((label, _dir_size(asset), _zipped_size(asset)))
    return rows


def resource_counts(outdir: Path, stack: str) -> Counter[str]:
    template = json.loads((outdir / f"{stack}.template.json").read_text())
    return Counter(r["Type"] for r in template["Resources"].values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    project = load_project(stage="all")
    stages = ",".join(project.selected)
    work = Path(tempfile.mkdtemp(prefix="synth-bench-"))
    try:
        bare_dir = _bare_app_dir(work)
        times: dict[str, list[float]] = {"bare": [], "project": []}
        for run in range(args.runs):  # interleaved: drift on the machine hits both alike
            times["bare"].append(_synth(bare_dir, work / f"bare-{run}"))
            times["project"].append(_synth(ROOT, work / f"project-{run}", "-c", "stage=all"))
        out = work / f"project-{args.runs - 1}"

        print(f"synth time, median of {args.runs} interleaved runs (cdk synth --quiet, fresh cdk.out):")
        bare, project_s = statistics.median(times["bare"]), statistics.median(times["project"])
        print(f"  bare one-function app : {bare:6.2f} s   {[round(t, 2) for t in times['bare']]}")
        print(f"  this app, {stages:<10} : {project_s:6.2f} s   {[round(t, 2) for t in times['project']]}")
        print(f"  ratio this/bare       : {project_s / bare:6.2f}x")
        for config in project.selected_configs:
            for kind in ("data", "service"):
                stack = config.stack_name(kind)
                counts = resource_counts(out, stack)
                print(f"\n{stack}: {sum(counts.values())} resources")
                for type_, n in sorted(counts.items()):
                    print(f"  {n:3d}  {type_}")
        service = project.stage(project.selected[0]).stack_name("service")
        print(f"\nLambda code assets of {service} (unzipped / zipped):")
        for label, raw, zipped in asset_sizes(out, service):
            print(f"  {label:<40} {raw / 1024:9.1f} KiB {zipped / 1024:9.1f} KiB")
        print(f"\nreproduce: make bench-synth   (python -m bench.synth_time --runs {args.runs})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
