"""``lambda-kit bench``: cold starts and warm requests of each row (``[tool.lambda-kit.bench]``, ``bench.rows``)
under AWS's runtime interface client, against moto server.

    lambda-kit bench [--runs 10] [--warm 200] [--importtime] [--no-bytecode]

**Cold** (``--runs`` fresh environments per row, started in turn, rotating which goes first so drift on the
machine hits all rows alike): what Lambda bills on an on-demand cold start, Init Duration (process start to
the runtime's first ``/next``: interpreter, runtime client, the handler module's import) plus the first
request's Duration. **Warm** (one environment per row, ``--warm`` requests each, interleaved): the Duration of
each request, p50 and p99, and, with a breakdown handler configured, where a warm request spends its time.

Each row runs a function of a cloud assembly as ``cdk synth`` packaged it (its code and layer assets), or a
handler of the project with that function's layers and environment (a baseline).

``--no-bytecode`` runs the code and layers from copies without ``__pycache__`` and with ``python -B``, as on
Lambda: the deployment package and the layer hold no ``.pyc`` and ``/var/task`` and ``/opt`` are read-only, so
the function's own modules and its layers' are compiled on every cold start; the runtime's are precompiled.

``--importtime`` runs each row once more under ``python -X importtime`` and shows, per top-level package,
the import time spent during init and the first request: what costs what.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
from pathlib import Path

from lambda_kit import config as kit_config
from lambda_kit.assembly.cloud_assembly import AssemblyError
from lambda_kit.bench import rows as bench_rows
from lambda_kit.bench.cold import cold_report, copy_without_bytecode, importtime_report, run_cold
from lambda_kit.bench.warm import run_warm, warm_breakdown, warm_report
from lambda_kit.local.emulator import MotoServer
from lambda_kit.local.local_app import LocalApp
from lambda_kit.local.provision import ProvisionError
from lambda_kit.local.xray_listener import XRayListener


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda-kit bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="cold starts per row (default 10)")
    parser.add_argument("--warm", type=int, default=200, help="warm requests per row (default 200; 0: skip)")
    parser.add_argument("--importtime", action="store_true", help="also break import time down per package")
    parser.add_argument("--no-bytecode", action="store_true", help="no .pyc for the functions' code, as on Lambda")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warm < 0:
        parser.error("--runs must be >= 1 and --warm >= 0")
    try:
        bench = bench_rows.load()
        for assembly, synth in bench.assemblies.items():
            if synth:
                print(f"cdk synth {' '.join(synth)} -o {assembly}", flush=True)
                subprocess.run(["cdk", "synth", "--quiet", *synth, "-o", str(assembly)], check=True)
        with contextlib.ExitStack() as stack:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            moto, xray = stack.enter_context(MotoServer()), stack.enter_context(XRayListener())
            apps = {path: stack.enter_context(LocalApp(path, moto=moto, xray=xray)) for path in bench.assemblies}
            configs = {}
            for row in bench.rows:
                app = apps[row.assembly]
                configs[row.key] = bench_rows.row_config(row, app.config(app.model.find(row.function)))
            options = bench_rows.Options(configs, moto.endpoint_url, xray.address)
            if args.no_bytecode:
                options = copy_without_bytecode(options, Path(tmp))
            _report(bench, options, args)
    except (AssemblyError, ProvisionError, kit_config.ConfigError, subprocess.CalledProcessError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    flags = "".join(f" --{f}" for f, on in (("importtime", args.importtime), ("no-bytecode", args.no_bytecode)) if on)
    print(f"reproduce: lambda-kit bench --runs {args.runs} --warm {args.warm}{flags}")
    return 0


def _report(bench: bench_rows.BenchConfig, options: bench_rows.Options, args: argparse.Namespace) -> None:
    code = "no .pyc, python -B" if args.no_bytecode else "with .pyc"
    print(f"runtime: awslambdaric (python -m awslambdaric HANDLER); code: {code}")
    for line in cold_report(bench, run_cold(bench, args.runs, options), args.runs):
        print(line)
    if args.warm:
        for line in warm_report(bench, run_warm(bench, args.warm, options), args.warm) + warm_breakdown(bench, options):
            print(line)
    if args.importtime:
        for line in importtime_report(bench, options):
            print(line)


if __name__ == "__main__":
    raise SystemExit(main())
