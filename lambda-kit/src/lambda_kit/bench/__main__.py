"""Benchmark: cold starts and warm requests of each row (``lambda_kit.bench.rows``) under AWS's runtime interface
client, against moto server.

    python -m local.bench [--runs 10] [--warm 200] [--importtime] [--no-bytecode]

**Cold** (``--runs`` fresh environments per row, started in turn, rotating which goes first so drift on the
machine hits all rows alike): what Lambda bills on an on-demand cold start, Init Duration (process start to
the runtime's first ``/next``: interpreter, runtime client, the handler module's import) plus the first
request's Duration (a POST of a new order). **Warm** (one environment per row, ``--warm`` requests each,
interleaved): the Duration of each request, p50 and p99, and what a warm request of this handler spends in
each of its steps (``bench/warm_breakdown.py``, measured inside a function process the same way).

``--no-bytecode`` runs the code and the dependencies layers from copies without ``__pycache__`` and with
``python -B``, as on Lambda: the deployment package and the layer hold no ``.pyc`` (the asset excludes them,
the layer is installed with ``--no-compile``) and ``/var/task`` and ``/opt`` are read-only, so the function's
own modules and its layers' are compiled on every cold start; the runtime's packages are precompiled.

``--importtime`` runs each row once more under ``python -X importtime`` and shows, per top-level package,
the import time spent during init and the first request: what costs what.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from lambda_kit.bench.cold import cold_report, copy_without_bytecode, importtime_report, run_cold
from lambda_kit.bench.rows import Options
from lambda_kit.bench.warm import run_warm, warm_breakdown, warm_report
from lambda_kit.local.emulator import MotoServer, provision
from lambda_kit.local.xray_listener import XRayListener


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="cold starts per row (default 10)")
    parser.add_argument("--warm", type=int, default=200, help="warm requests per row (default 200; 0: skip)")
    parser.add_argument("--importtime", action="store_true", help="also break import time down per package")
    parser.add_argument("--no-bytecode", action="store_true", help="no .pyc for the functions' code, as on Lambda")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warm < 0:
        parser.error("--runs must be >= 1 and --warm >= 0")
    with tempfile.TemporaryDirectory() as tmp, MotoServer() as moto, XRayListener() as xray:
        provision(moto.endpoint_url)
        options = Options(moto.endpoint_url, xray.address)
        if args.no_bytecode:
            options = copy_without_bytecode(options, Path(tmp))
        print(
            f"runtime: awslambdaric (python -m awslambdaric HANDLER); code: {'no .pyc, python -B' if args.no_bytecode else 'with .pyc'}"
        )
        for line in cold_report(run_cold(args.runs, options), args.runs):
            print(line)
        if args.warm:
            for line in warm_report(run_warm(args.warm, options), args.warm) + warm_breakdown(options):
                print(line)
        if args.importtime:
            for line in importtime_report(options):
                print(line)
    flags = "".join(f" --{f}" for f, on in (("importtime", args.importtime), ("no-bytecode", args.no_bytecode)) if on)
    print(f"reproduce: .venv/bin/python -m local.bench --runs {args.runs} --warm {args.warm}{flags}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
