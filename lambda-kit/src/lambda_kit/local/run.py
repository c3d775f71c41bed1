"""``lambda-kit local``: one function of the assembly in one new execution environment, as Lambda runs it, through
a sequence of events, against the resources its environment names on moto server.

    lambda-kit local [--assembly cdk.out] [--stack PATTERN] [--function NAME] [--logs]

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
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from typing import Any

from lambda_kit import config as kit_config
from lambda_kit.assembly.cloud_assembly import AssemblyError, add_selection_args
from lambda_kit.local.lambda_process import InitError
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
    parser.add_argument("--logs", action="store_true", help="also print the function's log lines")
    args = parser.parse_args(argv)
    try:
        events = steps(kit_config.load())
        with LocalApp(args.assembly, kit_config.stack_patterns(args.stage, args.stack)) as local:
            return _run(local, args, events)
    except (AssemblyError, ProvisionError, kit_config.ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _run(local: LocalApp, args: argparse.Namespace, events: list[tuple[str, dict[str, Any]]]) -> int:
    function = local.model.find(args.function)
    config = local.config(function)
    print(f"moto server: {local.moto.endpoint_url}   X-Ray daemon (UDP listener): {local.xray.address}")
    for line in local.provisioned.created if local.provisioned else ():
        print(f"created {line}")
    print(f"function {function.label}: {config.handler}, {config.runtime}, {config.memory_mb} MB")
    environment = local.environment(function)
    try:
        environment.start()
    except InitError as failed:
        print("\n".join(failed.logs))
        return 1
    first_trace = None
    try:
        print(f"Init Duration (process start to the runtime's first /next): {environment.init_ms:.1f} ms")
        for label, event in events:
            invocation = environment.invoke(event)
            if invocation.error:
                print(f"{label:<24} ERROR {invocation.error['errorType']}: {invocation.error['errorMessage']}")
                return 1
            print(f"{label:<24} {invocation.duration_ms:6.1f} ms  {summary(invocation.result)}")
            if args.logs:
                for line in invocation.logs:
                    print(f"    {line}")
            first_trace = first_trace or invocation.trace_id
    finally:
        environment.stop()
    print(f"X-Ray trace of the first step ({first_trace}):")
    for line in render_tree(local.xray.documents(first_trace)):
        print(f"  {line}")
    print("stopped the function's environment, moto server and the UDP listener")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
