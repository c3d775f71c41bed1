"""``lambda-kit power-tuning``: arguments, AWS clients, progress bar, output, ``--apply``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from lambda_kit.tools import output, pricing
from lambda_kit.tools.aws import (
    ToolError,
    add_common_args,
    add_target_args,
    client,
    describe_error,
    load_payload,
    resolve_target,
    session_for,
    target_function,
)
from lambda_kit.tools.power_tuning.analysis import COST_MODELS, DURATION_METRICS, ON_ERROR, STRATEGIES
from lambda_kit.tools.power_tuning.apply import apply_memory, context_key
from lambda_kit.tools.power_tuning.report import finish, render
from lambda_kit.tools.power_tuning.sweep import SweepOptions, sweep, weighted_payloads

DEFAULT_MEMORY_SIZES = (128, 256, 512, 1024, 1536, 2048, 3008)
CDK_JSON = Path("cdk.json")

EXAMPLES = """\
examples:
  lambda-kit power-tuning --stage dev --memory-sizes 128,256,512,1024,2048 \\
      --invocations 20 --strategy balanced --balanced-weight 0.5

  # Power Tuning's numbers and behaviour (its cost per invocation, measured duration, stop on error):
  lambda-kit power-tuning --stage dev --cost-model power-tuning \\
      --duration-metric measured --on-error abort

  # write the recommendation into cdk.json ([tool.lambda-kit.power-tuning] apply), then deploy it:
  lambda-kit power-tuning --stage dev --strategy balanced --apply

defaults, and why: --cost-model per-invocation (what one invocation adds to the bill, request price
included), --duration-metric billed (what you pay for; it includes INIT on cold starts since 2025-08-01),
--on-error skip (a size that runs out of memory is reported and left out instead of losing the sweep).
"""


def _memory_list(text: str) -> list[int]:
    try:
        sizes = [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated MB values, got {text!r}") from None
    if not sizes:
        raise argparse.ArgumentTypeError("no memory sizes given")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lambda-kit power-tuning",
        description="Sweep memory sizes on $LATEST, read each invocation's report, price each size and recommend "
        "one (cost, speed or balanced). Restores the function afterwards, also after errors and Ctrl-C.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_args(p, with_alias=False)  # the sweep changes $LATEST only; the alias is never touched
    s = p.add_argument_group("sweep")
    s.add_argument(
        "--memory-sizes",
        type=_memory_list,
        default=list(DEFAULT_MEMORY_SIZES),
        metavar="MB,MB,...",
        help=f"memory sizes to test (default {','.join(map(str, DEFAULT_MEMORY_SIZES))})",
    )
    s.add_argument("--invocations", type=int, default=10, metavar="N", help="measured invocations per size (10)")
    s.add_argument("--warmup", type=int, default=1, metavar="N", help="unmeasured invocations after each update (1)")
    s.add_argument("--parallel", type=int, default=1, metavar="K", help="concurrent invocations (default 1: serial)")
    s.add_argument(
        "--only-cold-starts",
        action="store_true",
        help="every measured invocation on a new environment (Power Tuning's onlyColdStarts); no warm-up, no trim",
    )
    s.add_argument("--sleep-between-ms", type=float, default=0.0, metavar="MS", help="pause between serial invocations")
    s.add_argument("--payload", metavar="FILE", help="JSON event to send (default: an HTTP API v2 GET /orders/bench-1)")
    s.add_argument(
        "--payloads", metavar="FILE", help='JSON list of {"payload": {...}, "weight": N}, sent in proportion'
    )
    s.add_argument("--poll-seconds", type=float, default=1.0, metavar="S", help="update-status polling interval")
    a = p.add_argument_group("analysis")
    a.add_argument("--strategy", choices=STRATEGIES, default="cost", help="what to optimize (default cost)")
    a.add_argument("--balanced-weight", type=float, default=0.5, metavar="W", help="balanced: weight of cost, 0..1")
    a.add_argument("--trim", type=float, default=0.2, metavar="F", help="share dropped at each end (default 0.2)")
    a.add_argument("--cost-model", choices=COST_MODELS, default="per-invocation", help="see below")
    a.add_argument("--duration-metric", choices=DURATION_METRICS, default="billed", help="see below")
    a.add_argument("--on-error", choices=ON_ERROR, default="skip", help="see below")
    a.add_argument("--price-per-gb-second", type=float, metavar="USD", help="override the duration price")
    o = p.add_argument_group("output")
    o.add_argument("--out-dir", default="power-tuning-results", metavar="DIR", help="where the JSON and PNG go")
    o.add_argument("--no-chart", action="store_true", help="skip the PNG chart")
    o.add_argument("--no-progress", action="store_true", help="no progress bar")
    o.add_argument(
        "--apply",
        action="store_true",
        help="write the recommended memory into cdk.json for --stage (then deploy it); the function is restored",
    )
    add_common_args(p)
    return p


def _payloads(args: argparse.Namespace) -> list[bytes]:
    if args.payloads is None:
        return [load_payload(args.payload)]
    try:
        entries: Any = json.loads(Path(args.payloads).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ToolError(f"cannot read payloads file {args.payloads}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ToolError(f"payloads file {args.payloads} is not JSON: {exc}") from exc
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and {"payload", "weight"} <= set(e) for e in entries
    ):
        raise ToolError(f'{args.payloads}: expected a list of {{"payload": ..., "weight": N}}')
    return weighted_payloads(entries, args.invocations)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not 0 <= args.balanced_weight <= 1:
        parser.error("--balanced-weight must be between 0 and 1")
    if not 0 <= args.trim < 0.5:
        parser.error("--trim must be in [0, 0.5)")
    if args.payload and args.payloads:
        parser.error("give --payload or --payloads, not both")
    if args.only_cold_starts and args.parallel > 1:
        parser.error("--only-cold-starts changes the function before each invocation: it runs serially (no --parallel)")
    if args.apply and not args.stage:
        parser.error("--apply needs --stage (the stage whose memory setting to write in cdk.json)")
    if args.apply:
        context_key(args.stage)  # the project names where it goes: known before the sweep, not after it
    payloads = _payloads(args)
    function = target_function(args)
    session = session_for(args, function)
    target = resolve_target(
        client(session, "cloudformation") if function else None, function, function_name=args.function_name
    )
    lam = client(session, "lambda")

    def prices_for(architecture: str) -> pricing.Prices:
        try:
            base = pricing.get_prices(session.region_name, architecture)
        except pricing.PriceError as exc:
            if args.price_per_gb_second is None:
                raise ToolError(f"{exc}; or pass --price-per-gb-second") from exc
            base = pricing.Prices(
                session.region_name, architecture, 0.20, 0.0, None, None, None, None, source="command line"
            )
        return base.with_overrides(duration_per_gb_second=args.price_per_gb_second)

    from tqdm import tqdm

    per_size = args.invocations + (0 if args.only_cold_starts else args.warmup)
    bar = tqdm(
        total=len(args.memory_sizes) * per_size,
        unit="inv",
        desc="power tuning",
        file=sys.stderr,
        disable=True if args.no_progress else None,
    )
    options = SweepOptions(
        invocations=args.invocations,
        warmup=args.warmup,
        parallel=args.parallel,
        trim=args.trim,
        poll_seconds=args.poll_seconds,
        only_cold_starts=args.only_cold_starts,
        sleep_between_ms=args.sleep_between_ms,
        on_error=args.on_error,
        cost_model=args.cost_model,
        duration_metric=args.duration_metric,
    )
    try:
        outcome = sweep(
            lam,
            target.function_name,
            args.memory_sizes,
            payloads=payloads,
            prices_for=prices_for,
            options=options,
            progress=bar,
        )
    except ToolError:
        raise
    except Exception as exc:
        raise ToolError(describe_error(exc, target.function_name)) from exc
    finally:
        bar.close()
    report = finish(
        outcome,
        strategy=args.strategy,
        weight=args.balanced_weight,
        out_dir=Path(args.out_dir),
        chart=not args.no_chart,
        stamp=time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
    )
    if args.apply:
        report["applied"] = _apply(report, args.stage)
    print(output.dumps(report) if args.json else render(report))
    if args.apply and not args.json:
        print(report["applied"]["message"])
    return 0 if report["restored"] in (None, True) else 1


def _apply(report: dict[str, Any], stage: str) -> dict[str, Any]:
    memory = report["recommendation"]["memory_mb"]
    previous, diff = apply_memory(CDK_JSON, stage, memory)
    key = ".".join(context_key(stage))
    if previous == memory:
        message = f"cdk.json already sets {key} = {memory}: nothing to change"
    else:
        message = (
            f"{diff}cdk.json: {key} {previous if previous is not None else '(default)'} -> {memory}. "
            f"The function itself is unchanged (restored); deploy stage {stage} to apply it"
        )
    return {"stage": stage, "memory_mb": memory, "previous": previous, "diff": diff, "message": message}
