"""``make local``: the orders function on this machine, as Lambda would run it, against moto server.

    python -m local.run [--logs]

Starts moto server (127.0.0.1, a free port), creates the table, the bucket, config.json and the receipt
secret, starts a UDP listener standing in for the X-Ray daemon, then one execution environment running
AWS's runtime interface client (``python -m awslambdaric orders.handler.lambda_handler``, a cold start)
and sends it: a cold POST, a warm POST, a replay of the first, a GET, a bad request. Prints each status
and Duration (Init Duration separately, as Lambda reports them), the captured trace tree of the cold
POST, and stops all it started. ``--logs`` adds each invocation's log lines.
"""

from __future__ import annotations

import argparse
import json
import uuid

from lambda_kit.local.emulator import CONFIG_BUCKET, TABLE_NAME, MotoServer, provision_service
from lambda_kit.local.lambda_process import LambdaProcess
from lambda_kit.local.sample_events import load_event
from lambda_kit.local.sandbox import lambda_env
from lambda_kit.local.xray_listener import XRayListener, render_tree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the orders function locally against moto server.")
    parser.add_argument("--logs", action="store_true", help="also print the function's log lines")
    args = parser.parse_args(argv)

    first, second = f"local-{uuid.uuid4().hex[:8]}", f"local-{uuid.uuid4().hex[:8]}"
    steps = [
        ("POST /orders (cold)", load_event("post_order.json", first)),
        ("POST /orders (warm)", load_event("post_order.json", second)),
        ("POST /orders (replay)", load_event("post_order.json", first)),
        ("GET /orders/{id}", load_event("get_order.json", first)),
        ("POST /orders (bad)", load_event("bad_request.json")),
    ]
    with MotoServer() as moto, XRayListener() as xray:
        print(f"moto server: {moto.endpoint_url}   X-Ray daemon (UDP listener): {xray.address}")
        function_env = provision_service(moto.endpoint_url)
        print(f"created table {TABLE_NAME!r}, bucket {CONFIG_BUCKET!r} with config.json, receipt-signing secret")
        env = lambda_env(moto.endpoint_url, function_env, xray.address)
        with LambdaProcess(env) as function:
            print(f"Init Duration (process start to the runtime's first /next): {function.init_ms:.1f} ms")
            cold_trace = None
            for label, event in steps:
                invocation = function.invoke(event)
                if invocation.error:
                    print(f"{label:<24} ERROR {invocation.error['errorType']}: {invocation.error['errorMessage']}")
                    return 1
                result = invocation.result
                body = json.loads(result["body"])
                summary = body.get("error") or (
                    f"order {body.get('order_id')} total_quantity={body.get('total_quantity')}"
                    f" receipt={body.get('receipt', '')[:12]}…"
                )
                print(f"{label:<24} {result['statusCode']}  {invocation.duration_ms:6.1f} ms  {summary}")
                if args.logs:
                    for line in invocation.logs:
                        print(f"    {line}")
                cold_trace = cold_trace or invocation.trace_id
        print(f"X-Ray trace of the cold POST ({cold_trace}):")
        for line in render_tree(xray.documents(cold_trace)):
            print(f"  {line}")
    print("stopped the function process, moto server and the UDP listener")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
