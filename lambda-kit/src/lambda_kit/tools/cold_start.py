"""Measure cold vs warm vs provisioned starts from Lambda's own REPORT numbers.

For each forced cold sample the tool changes one environment variable on ``$LATEST`` (a new
configuration means new execution environments), waits until the update is Successful, and invokes
``$LATEST`` with ``LogType=Tail``. The alias (``production``, provisioned concurrency in prod) is
sampled as it is. Server-side numbers come from the REPORT line (Init Duration, Duration, Billed
Duration, Max Memory Used, Restore Duration), in the Text or the JSON log format (``platform.report``);
the client round trip is shown next to them.

The function's environment is restored as found, also on errors and Ctrl-C. The alias points at a
published version, so production traffic never sees the temporary variable.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambda_kit.tools import output, stats
from lambda_kit.tools.aws import (
    LATEST,
    InvokeResult,
    Target,
    ToolError,
    add_common_args,
    add_target_args,
    client,
    describe_error,
    invoke_with_tail,
    load_payload,
    resolve_target,
    run,
    session_for,
    target_function,
    wait_updated,
)

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

NONCE_VARIABLE = "COLD_START_NONCE"

METRICS: tuple[tuple[str, Callable[[InvokeResult], float | None]], ...] = (
    ("client round trip ms", lambda r: r.client_ms),
    ("init ms", lambda r: r.report.init_duration_ms if r.report else None),
    ("restore ms (SnapStart)", lambda r: r.report.restore_duration_ms if r.report else None),
    ("duration ms", lambda r: r.report.duration_ms if r.report else None),
    ("billed ms", lambda r: r.report.billed_duration_ms if r.report else None),
    ("max memory MB", lambda r: r.report.max_memory_used_mb if r.report else None),
    ("client - server ms", lambda r: (r.client_ms - r.report.server_ms) if r.report else None),
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lambda-kit cold-start",
        description="Force cold starts on $LATEST (env-var update, wait Successful, invoke) and compare them with "
        "warm $LATEST and the provisioned alias, using the REPORT line of each invocation (LogType=Tail).",
        epilog="examples:\n"
        "  lambda-kit cold-start --stage prod --samples 5 --region ap-northeast-1\n\n"
        "  # measured numbers for the cost of cold starts (none / provisioned / snapstart):\n"
        "  lambda-kit cold-start --stage dev --json > cold.json\n"
        "  lambda-kit cost --from-report cold.json --invocations 1000000 --cold-start-rate 0.02\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_args(p)
    p.add_argument(
        "--samples",
        type=int,
        default=5,
        metavar="N",
        help="forced cold starts on $LATEST and invocations of the alias (default 5)",
    )
    p.add_argument(
        "--warm-samples",
        type=int,
        metavar="N",
        help="warm $LATEST invocations after the last cold one (default: --samples)",
    )
    p.add_argument("--payload", metavar="FILE", help="JSON event to send (default: an HTTP API v2 GET /orders/bench-1)")
    p.add_argument("--skip-alias", action="store_true", help="do not invoke the alias")
    p.add_argument(
        "--poll-seconds", type=float, default=1.0, metavar="S", help="update-status polling interval (default 1)"
    )
    add_common_args(p)
    return p


def measure(
    lambda_client: LambdaClient,
    target: Target,
    *,
    samples: int,
    payload: bytes,
    warm_samples: int | None = None,
    include_alias: bool = True,
    poll_seconds: float = 1.0,
    log: Callable[[str], None] = lambda msg: None,
) -> dict[str, Any]:
    """Run the measurement; returns raw samples and the configuration restore outcome.

    API sequence: GetFunctionConfiguration, [GetProvisionedConcurrencyConfig, Invoke(alias) x N],
    N x (UpdateFunctionConfiguration, GetFunction..., Invoke($LATEST)), Invoke($LATEST) x warm,
    then restore: GetFunction..., UpdateFunctionConfiguration, GetFunction... (always, via finally).
    """
    if samples < 1:
        raise ToolError("--samples must be >= 1")
    warm_samples = samples if warm_samples is None else warm_samples
    fn = target.function_name
    config = lambda_client.get_function_configuration(FunctionName=fn)
    original_vars = dict(config.get("Environment", {}).get("Variables", {}))
    if config.get("LastUpdateStatus") == "InProgress":
        log("function update in progress: waiting before starting")
        wait_updated(lambda_client, fn, delay=poll_seconds)

    include_alias = include_alias and target.alias is not None  # a function without an alias: $LATEST only
    result: dict[str, Any] = {
        "function": {
            "name": config.get("FunctionName", fn),
            "runtime": config.get("Runtime"),
            "architecture": (config.get("Architectures") or ["x86_64"])[0],
            "memory_mb": config.get("MemorySize"),
            "alias": target.alias if include_alias else None,
        },
        "groups": {},
        "provisioned_concurrency": None,
        "restored": None,
        "warnings": [],
    }

    if include_alias:
        assert target.alias is not None
        result["provisioned_concurrency"] = _pc_status(lambda_client, fn, target.alias)
        alias_samples: list[InvokeResult] = []
        for i in range(samples):
            log(f"alias {target.alias}: invocation {i + 1}/{samples}")
            alias_samples.append(invoke_with_tail(lambda_client, fn, target.alias, payload))
        result["groups"][f"{target.alias} (alias)"] = alias_samples
        if any(r.report and r.report.init_duration_ms is not None for r in alias_samples):
            result["warnings"].append(
                f"alias {target.alias} served cold starts (Init Duration present): no provisioned concurrency, "
                "or more concurrency than provisioned"
            )

    cold: list[InvokeResult] = []
    warm: list[InvokeResult] = []
    run_id = uuid.uuid4().hex[:8]
    changed = False
    try:
        for i in range(samples):
            log(f"$LATEST: forcing a new environment {i + 1}/{samples}")
            changed = True
            lambda_client.update_function_configuration(
                FunctionName=fn,
                Environment={"Variables": {**original_vars, NONCE_VARIABLE: f"{run_id}-{i}"}},
            )
            wait_updated(lambda_client, fn, delay=poll_seconds)
            cold.append(invoke_with_tail(lambda_client, fn, LATEST, payload))
        for i in range(warm_samples):
            log(f"$LATEST: warm invocation {i + 1}/{warm_samples}")
            warm.append(invoke_with_tail(lambda_client, fn, LATEST, payload))
    finally:
        if changed:
            result["restored"] = _restore(lambda_client, fn, original_vars, poll_seconds, log)
    result["groups"]["$LATEST cold (forced)"] = cold
    if warm:
        result["groups"]["$LATEST warm"] = warm
    not_cold = [i + 1 for i, r in enumerate(cold) if r.report and not r.report.cold]
    if not_cold:
        result["warnings"].append(f"forced samples {not_cold} had no Init Duration (not a new environment?)")
    failed = [
        (g, i + 1)
        for g, rs in result["groups"].items()
        for i, r in enumerate(rs)
        if r.function_error or (r.report and not r.report.ok)
    ]
    if failed:
        result["warnings"].append(f"invocations that failed (function error/timeout): {failed}")
    missing = sum(1 for rs in result["groups"].values() for r in rs if r.report is None)
    if missing:
        result["warnings"].append(
            f"{missing} invocation(s) without a report in the log tail (function output over 4 KB pushed it out)"
        )
    return result


def _pc_status(lambda_client: LambdaClient, fn: str, alias: str) -> dict[str, Any] | None:
    try:
        pc = lambda_client.get_provisioned_concurrency_config(FunctionName=fn, Qualifier=alias)
    except lambda_client.exceptions.ProvisionedConcurrencyConfigNotFoundException:
        return None
    return {
        "requested": pc.get("RequestedProvisionedConcurrentExecutions"),
        "allocated": pc.get("AllocatedProvisionedConcurrentExecutions"),
        "status": pc.get("Status"),
    }


def _restore(
    lambda_client: LambdaClient,
    fn: str,
    original_vars: dict[str, str],
    poll_seconds: float,
    log: Callable[[str], None],
) -> bool:
    """Put the environment back as found. Waits first: an interrupted update may still be in progress."""
    log("restoring the function's environment")
    try:
        wait_updated(lambda_client, fn, delay=poll_seconds)
        lambda_client.update_function_configuration(FunctionName=fn, Environment={"Variables": original_vars})
        wait_updated(lambda_client, fn, delay=poll_seconds)
    except BaseException as exc:
        print(
            f"error: could not restore {fn}'s environment ({describe_error(exc, fn)}); "
            f"remove the variable {NONCE_VARIABLE} by hand or redeploy the stack",
            file=sys.stderr,
        )
        if isinstance(exc, KeyboardInterrupt):
            raise
        return False
    return True


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    groups = {}
    for name, samples in result["groups"].items():
        metrics = {}
        for label, get in METRICS:
            values = [v for v in (get(r) for r in samples) if v is not None]
            if values:
                metrics[label] = stats.summary(values)
        groups[name] = {"n": len(samples), "metrics": metrics, "samples": [r.to_dict() for r in samples]}
    return {**result, "groups": groups}


def render(summary: dict[str, Any]) -> str:
    f = summary["function"]
    lines = [
        f"Cold starts: {f['name']} ({f['runtime']}, {f['architecture']}, {f['memory_mb']} MB)",
    ]
    pc = summary["provisioned_concurrency"]
    if f["alias"]:
        lines.append(
            f"Alias {f['alias']}: "
            + (
                f"provisioned concurrency {pc['allocated']}/{pc['requested']} ({pc['status']})"
                if pc
                else "no provisioned concurrency"
            )
        )
    lines.append("")
    rows = []
    for name, g in summary["groups"].items():
        first = True
        for label, s in g["metrics"].items():
            rows.append([f"{name} n={g['n']}" if first else "", label, s["p50"], s["p90"], s["max"]])
            first = False
    lines.append(output.table(["samples", "metric", "p50", "p90", "max"], rows, align="llrrr"))
    lines.append("")
    lines.append(
        "client round trip = network + TLS + SigV4 + Lambda front end + init + handler; "
        "init/duration come from Lambda's REPORT line."
    )
    if summary["restored"] is not None:
        lines.append("configuration restored: " + ("yes" if summary["restored"] else "NO (see error above)"))
    for w in summary["warnings"]:
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    payload = load_payload(args.payload)
    function = target_function(args)
    session = session_for(args, function)
    target = resolve_target(
        client(session, "cloudformation") if function else None,
        function,
        function_name=args.function_name,
        alias=args.alias,
    )
    lam = client(session, "lambda")
    log = (lambda msg: print(msg, file=sys.stderr)) if not args.json else (lambda msg: None)
    started = time.time()
    try:
        result = measure(
            lam,
            target,
            samples=args.samples,
            payload=payload,
            warm_samples=args.warm_samples,
            include_alias=not args.skip_alias,
            poll_seconds=args.poll_seconds,
            log=log,
        )
    except Exception as exc:
        raise ToolError(describe_error(exc, target.function_name)) from exc
    summary = summarize(result)
    summary["elapsed_s"] = round(time.time() - started, 1)
    print(output.dumps(summary) if args.json else render(summary))
    return 0 if summary["restored"] in (None, True) else 1


if __name__ == "__main__":
    sys.exit(run(main))
