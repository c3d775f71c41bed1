"""``lambda-kit bench-load``: a bounded load against ``lambda-kit serve`` on 127.0.0.1, as real clients bring it:
N clients at once, each sending M requests, each on a new connection.

    lambda-kit bench-load [--stage dev | --assembly cdk.out --stack ...] [--clients 200] [--requests 5]
                          [--event NAME] [--no-throttle] [--max-environments 10]

Starts ``lambda-kit serve`` on the selected stacks, sends the project's sample event (``[tool.lambda-kit.bench]
event``, else ``[tool.lambda-kit] payload``; its id field fresh for every request) as the HTTP request it was
recorded from, and counts what came back: every request answered or not (dropped, reset, timed out), the
answers by kind (2xx; 429, the stage's throttling; 5xx, a throttled or failed function, an integration timeout),
latency p50/p99, and requests per second, overall and per execution environment (the environments serve started:
its cold starts). ``--no-throttle`` is serve's: the stage's throttling lifted, invocations beyond a function's
concurrency waiting for an environment, so every request should be a 2xx.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from lambda_kit import config as kit_config
from lambda_kit.local.sample_events import load_event
from lambda_kit.tools.stats import percentile

REQUEST_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Outcome:
    status: int | str  # an HTTP status, or the error's name when there was no answer
    seconds: float


def http_request(event: dict[str, Any]) -> tuple[str, str, dict[str, str], bytes]:
    """(method, target, headers, body) of the request an HTTP API payload 2.0 event was made from."""
    http = event.get("requestContext", {}).get("http", {})
    query = event.get("rawQueryString") or ""
    target = event.get("rawPath", "/") + (f"?{query}" if query else "")
    body = event.get("body") or ""
    data = body.encode() if not event.get("isBase64Encoded") else base64.b64decode(body)
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() == "content-type"}
    return str(http.get("method", "GET")), target, headers, data


def run_clients(url: str, requests: list[tuple[str, str, dict[str, str], bytes]], clients: int) -> list[Outcome]:
    """``clients`` threads started together, each sending its share of ``requests`` on a new connection each."""
    host, port = url.removeprefix("http://").split(":")
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(share: list[tuple[str, str, dict[str, str], bytes]]) -> None:
        start.wait()
        for method, target, headers, body in share:
            began = time.perf_counter()
            try:
                connection = http.client.HTTPConnection(host, int(port), timeout=REQUEST_TIMEOUT_SECONDS)
                connection.request(method, target, body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
                connection.close()
                status: int | str = answer.status
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
            with lock:
                outcomes.append(Outcome(status, time.perf_counter() - began))

    threads = [threading.Thread(target=client, args=(requests[i::clients],)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def report(outcomes: list[Outcome], seconds: float, environments: int, throttled: int) -> list[str]:
    """``throttled``: the 500s serve answered because the function was at its concurrency (its access lines)."""
    kinds = Counter(
        "2xx"
        if isinstance(o.status, int) and o.status < 300
        else str(o.status)
        if isinstance(o.status, int)
        else "none"
        for o in outcomes
    )
    answered = sum(isinstance(o.status, int) for o in outcomes)
    lost = Counter(str(o.status) for o in outcomes if not isinstance(o.status, int))
    latencies = sorted(o.seconds * 1000 for o in outcomes if isinstance(o.status, int))
    ok = kinds["2xx"]
    others = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()) if kind not in ("2xx", "none"))
    per_env = ok / seconds / environments if environments else 0.0
    return [
        f"answered {answered}/{len(outcomes)} (dropped or timed out: {sum(lost.values())}"
        + (f": {dict(lost)}" if lost else "")
        + f"); 2xx {ok}"
        + (f", {others}" if others else "")
        + (f" (500 for a throttled function: {throttled})" if throttled else ""),
        f"latency p50 {percentile(latencies, 50) or 0.0:.1f} ms, p99 {percentile(latencies, 99) or 0.0:.1f} ms; "
        f"2xx per second {ok / seconds:.1f} over {seconds:.1f} s, per environment {per_env:.1f} "
        f"({environments} environments started)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda-kit bench-load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--assembly", default="cdk.out", help="the cloud assembly (default cdk.out)")
    parser.add_argument("--stack", action="append", default=[], help="stacks to serve (globs, repeatable)")
    parser.add_argument("--stage", help="the stage's stacks ([tool.lambda-kit] stage-stacks)")
    parser.add_argument("--clients", type=int, default=200, help="clients at once (default 200)")
    parser.add_argument("--requests", type=int, default=5, help="requests per client (default 5)")
    parser.add_argument("--event", help="sample event to send (default: [tool.lambda-kit.bench] event, else payload)")
    parser.add_argument("--no-throttle", action="store_true", help="serve --no-throttle: lift the stage's throttling")
    parser.add_argument("--max-environments", type=int, default=10, help="serve's --max-environments (default 10)")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.requests < 1:
        parser.error("--clients and --requests must be >= 1")
    try:
        config = kit_config.load()
        name = args.event or config.section("bench").get("event") or config.value("payload")
        if not name:
            raise kit_config.ConfigError("name the event to send: --event, [tool.lambda-kit.bench] event or payload")
        requests = [
            http_request(load_event(config.events / str(name), config.id_field, f"load-{uuid.uuid4().hex[:12]}"))
            for _ in range(args.clients * args.requests)
        ]
    except (kit_config.ConfigError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    selection = ["--assembly", args.assembly, *(f"--stack={s}" for s in args.stack)]
    selection += ["--stage", args.stage] if args.stage else []
    serve = [*selection, "--max-environments", str(args.max_environments)]
    serve += ["--no-throttle"] if args.no_throttle else []
    with Served(serve) as served:
        began = time.perf_counter()
        outcomes = run_clients(served.url, requests, args.clients)
        seconds = time.perf_counter() - began
    method, target = requests[0][:2]
    print(
        f"load: {args.clients} clients x {args.requests} requests, a new connection each, {method} {target.split('?')[0]} "
        f"against lambda-kit serve on 127.0.0.1{' --no-throttle' if args.no_throttle else ''}"
    )
    for line in served.settings:
        print(f"  {line}")
    for line in report(
        outcomes, seconds, served.count("cold start: Init Duration"), served.count("function throttled")
    ):
        print(line)
    flags = "".join(
        f" {flag}" for flag, on in (("--no-throttle", args.no_throttle), (f"--event {args.event}", args.event)) if on
    )
    print(
        f"reproduce: lambda-kit bench-load {' '.join(selection)} --clients {args.clients} --requests {args.requests}{flags}"
    )
    return 0 if all(isinstance(o.status, int) for o in outcomes) else 1


class Served:
    """``lambda-kit serve`` in a process of its own, its output kept (the access lines say which requests started
    an environment)."""

    def __init__(self, arguments: list[str]) -> None:
        self._command = [sys.executable, "-m", "lambda_kit", "serve", "--port", "0", *arguments]
        self.lines: list[str] = []
        self.url = ""

    def __enter__(self) -> Served:
        self.process = subprocess.Popen(self._command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if found := re.search(r"listening on (http://\S+)", line):
                self.url = found.group(1)
                break
        if not self.url:
            raise SystemExit("lambda-kit serve did not start:\n" + "".join(self.lines))
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout or ()), daemon=True)
        self._reader.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=60)
        self._reader.join(timeout=5)

    @property
    def settings(self) -> list[str]:
        return [line.strip() for line in self.lines if line.startswith(("throttling ", "function "))]

    def count(self, note: str) -> int:
        """Access lines whose note holds ``note``: environments started, throttled invocations."""
        return sum(note in line for line in self.lines)


if __name__ == "__main__":
    raise SystemExit(main())
