"""``lambda-kit local``: one function of the assembly in one new execution environment, as Lambda runs it, through
a sequence of events, against the resources its environment names on moto server.

    lambda-kit local [--assembly cdk.out] [--stack PATTERN] [--function NAME] [--concurrent N] [--logs]

The events are the project's ``[tool.lambda-kit.local] steps``: each a label, a sample event file (under
``[tool.lambda-kit] events``) and, optionally, an ``id`` name: every distinct name becomes a fresh value of the
``id-field``, the same for every step that names it (a create, its replay, a read of it)::

    [tool.lambda-kit.local]
    steps = [
      { label = "POST /orders (cold)", event = "post_order.json", id = "first" },
      { label = "GET /orders/{id}", event = "get_order.json", id = "first" },
    ]

Prints the init duration, each step's status and Duration, the X-Ray trace of the first step, and stops all it
started. ``--logs`` adds each invocation's log lines.

A function on Lambda Managed Instances runs in one environment of ``PerExecutionEnvironmentMaxConcurrency`` workers
(``lambda_process``). ``--concurrent N`` sends each step N times at once into that environment (N up to that
concurrency) and counts the answers: the same create eight times at once is one 201 and seven replays.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lambda_kit import config as kit_config
from lambda_kit.assembly.app_model import Function
from lambda_kit.assembly.cloud_assembly import AssemblyError, add_selection_args
from lambda_kit.local.lambda_process import InitError, Invocation, LambdaProcess
from lambda_kit.local.local_app import LocalApp
from lambda_kit.local.provision import ProvisionError
from lambda_kit.local.sample_events import load_event
from lambda_kit.local.xray_listener import render_tree


def steps(config: kit_config.KitConfig) -> list[tuple[str, dict[str, Any]]]:
    """(label, event) per configured step, each ``id`` name given one fresh value."""
    entries = config.section("local").get("steps")
    if not entries:
        raise kit_config.ConfigError(f"[tool.lambda-kit.local] steps: none in {config.root / 'pyproject.toml'}")
    ids: dict[str, str] = {}
    loaded = []
    for entry in entries:
        name = entry.get("id")
        value = ids.setdefault(name, f"local-{uuid.uuid4().hex[:8]}") if name else None
        loaded.append((str(entry["label"]), load_event(config.events / entry["event"], config.id_field, value)))
    return loaded


def summary(result: Any) -> str:
    """Status and body of an HTTP-shaped result, in one line."""
    if isinstance(result, dict) and "statusCode" in result:
        return f"{result['statusCode']}  {str(result.get('body', ''))[:90]}"
    return json.dumps(result)[:100]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda-kit local", description=__doc__.split("\n\n")[0])
    add_selection_args(parser, "run")
    parser.add_argument("--function", help="the function (construct path or logical id); default: the API's one")
    parser.add_argument(
        "--concurrent",
        type=int,
        default=1,
        metavar="N",
        help="send each step N times at once (a managed-instances function: up to its per-environment concurrency)",
    )
    parser.add_argument("--logs", action="store_true", help="also print the function's log lines")
    args = parser.parse_args(argv)
    try:
        events = steps(kit_config.load())
        local = LocalApp(args.assembly, kit_config.stack_patterns(args.stage, args.stack))
        function = local.model.find(args.function)
        if args.concurrent != 1 and not 1 <= args.concurrent <= (function.max_concurrency or 1):
            raise kit_config.ConfigError(_concurrency_refused(args.concurrent, function.max_concurrency))
        with local:
            return _run(local, function, args, events)
    except (AssemblyError, ProvisionError, kit_config.ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _run(
    local: LocalApp, function: Function, args: argparse.Namespace, events: list[tuple[str, dict[str, Any]]]
) -> int:
    config = local.config(function)
    print(f"moto server: {local.moto.endpoint_url}   X-Ray daemon (UDP listener): {local.xray.address}")
    for line in local.provisioned.created if local.provisioned else ():
        print(f"created {line}")
    print(f"function {function.label}: {config.handler}, {config.runtime}, {config.memory_mb} MB")
    if config.max_concurrency is not None:
        print(f"managed instances: one environment of {config.max_concurrency} workers (AWS_LAMBDA_MAX_CONCURRENCY)")
    environment = local.environment(function)
    try:
        environment.start()
    except InitError as failed:
        print("\n".join(failed.logs))
        return 1
    first_trace = None
    try:
        waited = "every worker's first" if environment.workers > 1 else "the runtime's first"
        print(f"Init Duration (process start to {waited} /next): {environment.init_ms:.1f} ms")
        for label, event in events:
            invocations = _send(environment, event, args.concurrent)
            errors = [invocation.error for invocation in invocations if invocation.error]
            if errors:
                print(f"{label:<24} ERROR {errors[0]['errorType']}: {errors[0]['errorMessage']}")
                return 1
            print(f"{label:<24} {_outcome(invocations)}")
            if args.logs:
                for line in (line for invocation in invocations for line in invocation.logs):
                    print(f"    {line}")
            first_trace = first_trace or invocations[0].trace_id
    finally:
        environment.stop()
    print(f"X-Ray trace of the first step ({first_trace}):")
    for line in render_tree(local.xray.documents(first_trace)):
        print(f"  {line}")
    print("stopped the function's environment, moto server and the UDP listener")
    return 0


def _concurrency_refused(concurrent: int, max_concurrency: int | None) -> str:
    if max_concurrency is None:
        return (
            f"--concurrent {concurrent}: an on-demand environment serves one request at a time (allowed: 1); "
            "requests at once need a function on managed instances (or `lambda-kit serve`, which starts more environments)"
        )
    return (
        f"--concurrent {concurrent}: the function's environment serves {max_concurrency} requests at once "
        f"(PerExecutionEnvironmentMaxConcurrency); allowed: 1 to {max_concurrency}"
    )


def _send(environment: LambdaProcess, event: dict[str, Any], concurrent: int) -> list[Invocation]:
    if concurrent == 1:
        return [environment.invoke(event)]
    with ThreadPoolExecutor(concurrent) as requests:
        return list(requests.map(lambda _: environment.invoke(event), range(concurrent)))


def _outcome(invocations: list[Invocation]) -> str:
    """One invocation's Duration and answer; several: how many got each answer, and the slowest Duration."""
    if len(invocations) == 1:
        return f"{invocations[0].duration_ms:6.1f} ms  {summary(invocations[0].result)}"
    answers = Counter(_status(invocation.result) for invocation in invocations)
    counted = ", ".join(f"{answer} x{count}" for answer, count in sorted(answers.items()))
    slowest = max(invocation.duration_ms for invocation in invocations)
    return f"{len(invocations)} at once: {counted}  (slowest {slowest:.1f} ms)"


def _status(result: Any) -> str:
    return str(result["statusCode"]) if isinstance(result, dict) and "statusCode" in result else summary(result)


if __name__ == "__main__":
    raise SystemExit(main())
