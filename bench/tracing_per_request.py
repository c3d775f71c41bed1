"""What tracing costs on every request: warm POSTs through one environment per tracing backend, interleaved.

    python -m bench.tracing_per_request [--requests 200]

Each backend's environment (local.lambda_process, its stage's dependencies layer) serves the same new-order
POSTs in turn against one moto server; the spans go to a local daemon stand-in. Both backends send each
finished span at once over UDP (nothing is buffered, nothing flushed at the end of the invocation), so this
per-request time is all the tracing costs: building the spans plus one datagram each (5 per new order).
"""

from __future__ import annotations

import argparse
import statistics
from contextlib import ExitStack

from local.bench import order_event
from local.emulator import CONFIG_BUCKET, TABLE_NAME, MotoServer, provision
from local.lambda_process import LambdaProcess, lambda_env
from local.otlp_receiver import OtlpUdpReceiver
from local.tracing_layers import backend_env, function_paths
from local.xray_listener import XRayListener
from stacks.tracing_backends import TRACING_BACKENDS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="warm requests per backend (default 200)")
    args = parser.parse_args(argv)
    durations: dict[str, list[float]] = {b: [] for b in TRACING_BACKENDS}
    cpu: dict[str, list[float]] = {b: [] for b in TRACING_BACKENDS}
    with ExitStack() as stack:
        moto = stack.enter_context(MotoServer())
        provision(moto.endpoint_url)
        functions = {}
        for backend in TRACING_BACKENDS:
            daemon = stack.enter_context(OtlpUdpReceiver() if backend == "otel" else XRayListener())
            env = lambda_env(
                moto.endpoint_url,
                {"TABLE_NAME": TABLE_NAME, "CONFIG_BUCKET": CONFIG_BUCKET, **backend_env(backend)},
                None if backend == "off" else daemon.address,
            )
            functions[backend] = stack.enter_context(LambdaProcess(env, paths=function_paths(backend)))
        for function in functions.values():  # the cold request (config load, first spans) is not the subject
            function.invoke(order_event())
        for i in range(args.requests):
            order = TRACING_BACKENDS[i % 3 :] + TRACING_BACKENDS[: i % 3]
            for backend in order:
                invocation = functions[backend].invoke(order_event())
                assert invocation.result["statusCode"] == 201, invocation.error or invocation.result
                durations[backend].append(invocation.duration_ms)
                cpu[backend].append(invocation.cpu_ms)
    base, base_cpu = statistics.median(durations["off"]), statistics.median(cpu["off"])
    print(f"warm new-order POST, median of {args.requests} per backend (ms):")
    for backend in TRACING_BACKENDS:
        wall, used = statistics.median(durations[backend]), statistics.median(cpu[backend])
        print(
            f"  {backend:<9} {wall:6.2f}   CPU {used:6.2f}   vs off: {wall - base:+5.2f} ms, CPU {used - base_cpu:+5.2f} ms"
        )
    print(f"reproduce: .venv/bin/python -m bench.tracing_per_request --requests {args.requests}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
