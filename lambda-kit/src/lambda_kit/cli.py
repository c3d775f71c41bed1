"""``lambda-kit COMMAND [ARGS]``: one console script, one subcommand per tool. Each command's module is imported
only when it runs (``lambda-kit cost`` never loads moto), and gets the rest of the command line as its own."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple

from lambda_kit import __version__


class Command(NamedTuple):
    module: str
    summary: str
    aws_errors: bool = False  # run under lambda_kit.tools.aws.run: an AWS error becomes one line, exit 1


COMMANDS: dict[str, Command] = {
    "serve": Command("lambda_kit.local.serve", "the assembly's HTTP APIs on 127.0.0.1, as API Gateway + Lambda"),
    "local": Command("lambda_kit.local.run", "one function, as Lambda runs it, through a sequence of events"),
    "bench": Command("lambda_kit.bench.__main__", "cold and warm starts of handlers side by side"),
    "bench-load": Command("lambda_kit.bench.load", "N clients x M requests against serve: answered, p50/p99, rate"),
    "bench-synth": Command("lambda_kit.bench.synth_time", "`cdk synth` time next to a bare one-function app"),
    "assets": Command("lambda_kit.bench.asset_sizes", "each function's code and layer assets: files and sizes"),
    "cost": Command("lambda_kit.tools.cost", "price memory, provisioned concurrency and SnapStart", True),
    "cold-start": Command(
        "lambda_kit.tools.cold_start", "cold vs warm vs provisioned starts of a deployed stack", True
    ),
    "power-tuning": Command("lambda_kit.tools.power_tuning.cli", "memory sweep of a deployed function", True),
    "e2e": Command("lambda_kit.tools.e2e", "a contract suite against a deployed stack's HTTP API", True),
    "credentials": Command("lambda_kit.tools.credentials", "fail in one line when no AWS credentials resolve"),
    "hops": Command("lambda_kit.access.hops", "every service-to-service hop of the templates, and what allows it"),
    "routes": Command("lambda_kit.access.route_table", "the HTTP API routes, their functions and data access"),
    "mutation": Command("lambda_kit.mutation.__main__", "mutation testing of the modules a table names"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"lambda-kit {__version__}", "", "usage: lambda-kit COMMAND [ARGS]   (lambda-kit COMMAND --help)", ""]
    lines += [f"  {name:<{width}}  {command.summary}" for name, command in COMMANDS.items()]
    lines += ["", f"  {'--version':<{width}}  print the version"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if args else 2
    if args[0] in ("--version", "version"):
        print(f"lambda-kit {__version__}")
        return 0
    command = COMMANDS.get(args[0])
    if command is None:
        print(f"lambda-kit: unknown command {args[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    sys.argv[0] = f"lambda-kit {args[0]}"
    entry: Callable[[list[str] | None], int | None] = importlib.import_module(command.module).main
    if command.aws_errors:
        from lambda_kit.tools.aws import run

        return run(entry, args[1:])
    return int(entry(args[1:]) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
