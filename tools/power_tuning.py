"""Memory sweep in the spirit of AWS Lambda Power Tuning, for teams that don't deploy its state machine.

For each memory size: UpdateFunctionConfiguration(MemorySize) on ``$LATEST``, wait until the update is
Successful, warm up, then N invocations with ``LogType=Tail`` (serial by default: parallel runs can be
skewed by downstream throttling). Billed Duration comes from each REPORT line; the trimmed mean drops
the top and bottom 20 %. Cost per invocation uses the region/architecture price from
tools/data/lambda_prices.json. The original memory size is always restored (errors and Ctrl-C too).

Only ``$LATEST`` is changed; the ``production`` alias points at a published version and is unaffected.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tools import output, pricing, stats
from tools.aws import (
    LATEST,
    InvokeResult,
    ToolError,
    add_common_args,
    add_target_args,
    client,
    describe_error,
    invoke_with_tail,
    load_payload,
    make_session,
    resolve_target,
    run,
    wait_updated,
)

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


class Progress(Protocol):
    """What the sweep needs of a progress bar (tqdm has both)."""

    def update(self, n: int, /) -> object: ...

    def set_postfix_str(self, s: str, /) -> object: ...


DEFAULT_MEMORY_SIZES = (128, 256, 512, 1024, 1536, 2048, 3008)
STRATEGIES = ("cost", "speed", "balanced")


@dataclass
class MemoryResult:
    memory_mb: int
    billed_ms: list[float] = field(default_factory=list)
    duration_ms: list[float] = field(default_factory=list)
    max_memory_used_mb: int | None = None
    errors: list[str] = field(default_factory=list)
    trimmed_billed_ms: float | None = None
    trimmed_duration_ms: float | None = None
    cost_per_invocation: float | None = None

    @property
    def failed(self) -> bool:
        return bool(self.errors) or self.trimmed_billed_ms is None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["failed"] = self.failed
        d["n"] = len(self.billed_ms)
        d["p50_billed_ms"] = stats.percentile(self.billed_ms, 50)
        d["p90_billed_ms"] = stats.percentile(self.billed_ms, 90)
        d["max_billed_ms"] = max(self.billed_ms) if self.billed_ms else None
        d["cost_per_million"] = self.cost_per_invocation * 1_000_000 if self.cost_per_invocation is not None else None
        return d


# ---------------------------------------------------------------- analysis (pure)


def analyze(memory_mb: int, samples: Sequence[InvokeResult], prices: pricing.Prices, trim: float = 0.2) -> MemoryResult:
    res = MemoryResult(memory_mb=memory_mb)
    for r in samples:
        if r.report is None:
            res.errors.append(f"no REPORT line ({r.report_error})")
            continue
        if r.report.billed_duration_ms is None:
            res.errors.append("report without Billed Duration (Lambda Managed Instances?)")
            continue
        if r.function_error or not r.report.ok:
            what = r.report.error_type or r.report.status or r.function_error
            res.errors.append(f"{what}")
        res.billed_ms.append(r.report.billed_duration_ms)
        res.duration_ms.append(r.report.duration_ms)
        if r.report.max_memory_used_mb is not None:
            res.max_memory_used_mb = max(res.max_memory_used_mb or 0, r.report.max_memory_used_mb)
    billed = stats.trimmed_mean(res.billed_ms, trim)  # None when no invocation reported
    if billed is not None:
        res.trimmed_billed_ms = billed
        res.trimmed_duration_ms = stats.trimmed_mean(res.duration_ms, trim)
        res.cost_per_invocation = pricing.cost_per_invocation(billed, memory_mb, prices)
    return res


@dataclass(frozen=True)
class _Candidate:
    """A memory size that completed without errors: its billed time and cost are known."""

    memory_mb: int
    cost_per_invocation: float
    trimmed_billed_ms: float


def recommend(results: Sequence[MemoryResult], strategy: str = "cost", weight: float = 0.5) -> dict[str, Any]:
    """Pick a memory size. ``weight`` (balanced only) is the weight of cost: 1.0 = cost, 0.0 = speed."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
    if not 0 <= weight <= 1:
        raise ValueError("--balanced-weight must be between 0 and 1")
    ok = [
        _Candidate(r.memory_mb, r.cost_per_invocation, r.trimmed_billed_ms)
        for r in results
        if not r.failed and r.cost_per_invocation is not None and r.trimmed_billed_ms is not None
    ]
    excluded = [f"{r.memory_mb} MB ({', '.join(sorted(set(r.errors))) or 'no data'})" for r in results if r.failed]
    if not ok:
        raise ToolError("no memory size completed without errors: nothing to recommend (" + "; ".join(excluded) + ")")
    cheapest = min(ok, key=lambda r: (r.cost_per_invocation, r.trimmed_billed_ms, r.memory_mb))
    fastest = min(ok, key=lambda r: (r.trimmed_billed_ms, r.cost_per_invocation, r.memory_mb))
    scores: dict[int, float] = {}
    if strategy == "cost":
        best = cheapest
        reason = (
            f"{best.memory_mb} MB is the cheapest per invocation ({output.usd_small(best.cost_per_invocation)}, "
            f"{best.trimmed_billed_ms:,.1f} ms billed)"
        )
        if fastest is not best:
            reason += (
                f"; the fastest, {fastest.memory_mb} MB ({fastest.trimmed_billed_ms:,.1f} ms), costs "
                f"{_pct(fastest.cost_per_invocation, best.cost_per_invocation)} more"
            )
        else:
            reason += " and also the fastest"
    elif strategy == "speed":
        best = fastest
        reason = f"{best.memory_mb} MB is the fastest ({best.trimmed_billed_ms:,.1f} ms billed, trimmed mean)"
        if cheapest is not best:
            reason += (
                f"; it costs {output.usd_small(best.cost_per_invocation)} per invocation, "
                f"{_pct(best.cost_per_invocation, cheapest.cost_per_invocation)} more than the cheapest, "
                f"{cheapest.memory_mb} MB ({cheapest.trimmed_billed_ms:,.1f} ms)"
            )
        else:
            reason += " and also the cheapest"
        slower = [r for r in ok if r.memory_mb < best.memory_mb]
        if slower:
            prev = max(slower, key=lambda r: r.memory_mb)
            gain = 1 - best.trimmed_billed_ms / prev.trimmed_billed_ms
            reason += f"; {gain:.0%} faster than {prev.memory_mb} MB"
    else:
        max_cost = max(r.cost_per_invocation for r in ok)
        max_time = max(r.trimmed_billed_ms for r in ok)
        for r in ok:
            scores[r.memory_mb] = (
                weight * r.cost_per_invocation / max_cost + (1 - weight) * r.trimmed_billed_ms / max_time
            )
        best = min(ok, key=lambda r: (scores[r.memory_mb], r.memory_mb))
        reason = (
            f"{best.memory_mb} MB has the lowest balanced score {scores[best.memory_mb]:.3f} "
            f"= {weight:g} x cost/max cost ({best.cost_per_invocation / max_cost:.2f}) + "
            f"{1 - weight:g} x duration/max duration ({best.trimmed_billed_ms / max_time:.2f}); "
            f"cheapest is {cheapest.memory_mb} MB, fastest {fastest.memory_mb} MB"
        )
    if excluded:
        reason += "; excluded after errors: " + "; ".join(excluded)
    return {
        "strategy": strategy,
        "balanced_weight": weight if strategy == "balanced" else None,
        "memory_mb": best.memory_mb,
        "cost_per_invocation": best.cost_per_invocation,
        "trimmed_billed_ms": best.trimmed_billed_ms,
        "cheapest_mb": cheapest.memory_mb,
        "fastest_mb": fastest.memory_mb,
        "scores": scores or None,
        "excluded": excluded,
        "reason": reason,
    }


def _pct(a: float, b: float) -> str:
    return f"{(a / b - 1):.0%}" if b else "n/a"


# ---------------------------------------------------------------- orchestration


def sweep(
    lambda_client: LambdaClient,
    function_name: str,
    memory_sizes: Sequence[int],
    *,
    invocations: int,
    payload: bytes,
    prices_for: Callable[[str], pricing.Prices],
    warmup: int = 1,
    parallel: int = 1,
    trim: float = 0.2,
    poll_seconds: float = 1.0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """API sequence: GetFunctionConfiguration, then per memory size UpdateFunctionConfiguration(MemorySize),
    GetFunction (waiter), Invoke x (warmup + N); finally GetFunction, UpdateFunctionConfiguration(original
    MemorySize), GetFunction -- the restore runs on success, errors and KeyboardInterrupt alike.
    ``prices_for(architecture)`` is called before anything is changed (so a missing price fails early).
    """
    if invocations < 1:
        raise ToolError("--invocations must be >= 1")
    for m in memory_sizes:
        try:
            pricing.validate_memory(m)
        except ValueError as exc:
            raise ToolError(str(exc)) from exc
    config = lambda_client.get_function_configuration(FunctionName=function_name)
    original_memory = config["MemorySize"]
    architecture = (config.get("Architectures") or ["x86_64"])[0]
    prices = prices_for(architecture)
    if config.get("LastUpdateStatus") == "InProgress":
        wait_updated(lambda_client, function_name, delay=poll_seconds)

    results: list[MemoryResult] = []
    outcome: dict[str, Any] = {
        "function": {
            "name": config.get("FunctionName", function_name),
            "runtime": config.get("Runtime"),
            "architecture": architecture,
            "original_memory_mb": original_memory,
            "qualifier": LATEST,
        },
        "prices": prices.to_dict(),
        "settings": {"invocations": invocations, "warmup": warmup, "parallel": parallel, "trim": trim},
        "results": results,
        "restored": None,
    }
    changed = False
    try:
        for memory in memory_sizes:
            if progress is not None:
                progress.set_postfix_str(f"{memory} MB")
            changed = True
            lambda_client.update_function_configuration(FunctionName=function_name, MemorySize=memory)
            wait_updated(lambda_client, function_name, delay=poll_seconds)
            for _ in range(warmup):
                invoke_with_tail(lambda_client, function_name, LATEST, payload)
                _tick(progress)
            samples = _invoke_many(lambda_client, function_name, payload, invocations, parallel, progress)
            results.append(analyze(memory, samples, prices, trim))
    finally:
        if changed:
            outcome["restored"] = _restore_memory(lambda_client, function_name, original_memory, poll_seconds)
    return outcome


def _tick(progress: Progress | None) -> None:
    if progress is not None:
        progress.update(1)


def _invoke_many(
    lambda_client: LambdaClient, fn: str, payload: bytes, n: int, parallel: int, progress: Progress | None
) -> list[InvokeResult]:
    def one(_: int) -> InvokeResult:
        r = invoke_with_tail(lambda_client, fn, LATEST, payload)
        _tick(progress)
        return r

    if parallel <= 1:
        return [one(i) for i in range(n)]
    with ThreadPoolExecutor(max_workers=min(parallel, n)) as pool:
        return list(pool.map(one, range(n)))


def _restore_memory(lambda_client: LambdaClient, fn: str, memory: int, poll_seconds: float) -> bool:
    try:
        wait_updated(lambda_client, fn, delay=poll_seconds)
        lambda_client.update_function_configuration(FunctionName=fn, MemorySize=memory)
        wait_updated(lambda_client, fn, delay=poll_seconds)
    except BaseException as exc:
        print(
            f"error: could not restore {fn} to {memory} MB ({describe_error(exc, fn)}); "
            f"run: aws lambda update-function-configuration --function-name {fn} --memory-size {memory}",
            file=sys.stderr,
        )
        if isinstance(exc, KeyboardInterrupt):
            raise
        return False
    return True


# ---------------------------------------------------------------- output


def render(report: dict[str, Any]) -> str:
    f, rec = report["function"], report["recommendation"]
    rows = []
    for r in report["results"]:
        mark = "*" if r["memory_mb"] == rec["memory_mb"] else ""
        rows.append(
            [
                f"{r['memory_mb']}{mark}",
                r["n"],
                r["trimmed_billed_ms"],
                r["p90_billed_ms"],
                r["max_memory_used_mb"],
                output.usd_small(r["cost_per_invocation"]),
                output.usd(r["cost_per_million"], 2) if r["cost_per_million"] is not None else "-",
                ", ".join(sorted(set(r["errors"]))) or "ok",
            ]
        )
    p = report["prices"]
    lines = [
        f"Power tuning: {f['name']} ({f['runtime']}, {f['architecture']}) on $LATEST, "
        f"{report['settings']['invocations']} invocations per size "
        f"({'parallel x' + str(report['settings']['parallel']) if report['settings']['parallel'] > 1 else 'serial'}), "
        f"trimmed mean drops {report['settings']['trim']:.0%} at each end",
        f"Price: {output.price(p['duration_per_gb_second'])}/GB-s + ${p['request_per_million']:.2f}/M requests "
        f"({p['region']} {p['architecture']}, {p['as_of']})",
        "",
        output.table(
            [
                "memory MB",
                "n",
                "billed ms (trimmed mean)",
                "p90 billed ms",
                "max mem MB",
                "cost/invocation",
                "cost/1M",
                "status",
            ],
            rows,
            align="lrrrrrrl",
        ),
        "",
        f"Recommendation ({rec['strategy']}): {rec['memory_mb']} MB",
        f"Why: {rec['reason']}",
    ]
    if report["restored"] is not None:
        lines.append(f"Memory restored to {f['original_memory_mb']} MB: " + ("yes" if report["restored"] else "NO"))
    for key in ("json_path", "chart_path"):
        if report.get(key):
            lines.append(f"{key.split('_')[0].upper()}: {report[key]}")
    return "\n".join(lines)


def write_chart(report: dict[str, Any], path: Path) -> Path:
    """Duration and cost against memory (matplotlib imported here so --help stays fast)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in report["results"] if not r["failed"]]
    failed = [r for r in report["results"] if r["failed"]]
    rec = report["recommendation"]
    labels = [str(r["memory_mb"]) for r in report["results"]]
    pos = {r["memory_mb"]: i for i, r in enumerate(report["results"])}

    fig, ax1 = plt.subplots(figsize=(9, 5), dpi=110)
    ax1.plot(
        [pos[r["memory_mb"]] for r in ok],
        [r["trimmed_billed_ms"] for r in ok],
        "o-",
        color="tab:blue",
        label="billed duration (trimmed mean)",
    )
    ax1.set_xlabel("memory (MB)")
    ax1.set_ylabel("billed duration, ms", color="tab:blue")
    ax1.set_xticks(range(len(labels)), labels)
    ax2 = ax1.twinx()
    ax2.plot(
        [pos[r["memory_mb"]] for r in ok],
        [r["cost_per_million"] for r in ok],
        "s--",
        color="tab:red",
        label="cost per 1M invocations",
    )
    ax2.set_ylabel("USD per 1M invocations", color="tab:red")
    if rec["memory_mb"] in pos:
        ax1.axvline(
            pos[rec["memory_mb"]], color="tab:green", alpha=0.4, linewidth=8, label=f"recommended ({rec['strategy']})"
        )
    for r in failed:
        ax1.axvline(pos[r["memory_mb"]], color="grey", linestyle=":", label=f"{r['memory_mb']} MB failed")
    handles = ax1.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 4), fontsize=8, frameon=False)
    f = report["function"]
    name = _safe_name(f["name"])
    name = name if len(name) <= 60 else name[:57] + "..."
    ax1.set_title(
        f"{name} ({f['runtime']}, {f['architecture']})\n"
        f"{rec['memory_mb']} MB recommended, strategy {rec['strategy']}; "
        f"{report['settings']['invocations']} invocations per size, trimmed mean",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def _safe_name(function_name: str) -> str:
    name = function_name.split(":function:")[-1].split(":")[0]
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


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
        prog="python -m tools.power_tuning",
        description="Sweep memory sizes on $LATEST, measure billed duration from REPORT lines, price each size and "
        "recommend one (cost, speed or balanced). Restores the original memory size afterwards.",
        epilog="Example: python -m tools.power_tuning --stage dev --memory-sizes 128,256,512,1024,2048 --invocations 20 "
        "--strategy balanced --balanced-weight 0.5",
    )
    add_target_args(p, with_alias=False)  # the sweep changes $LATEST only; the alias is never touched
    p.add_argument(
        "--memory-sizes",
        type=_memory_list,
        default=list(DEFAULT_MEMORY_SIZES),
        metavar="MB,MB,...",
        help=f"memory sizes to test (default {','.join(map(str, DEFAULT_MEMORY_SIZES))})",
    )
    p.add_argument(
        "--invocations", type=int, default=10, metavar="N", help="measured invocations per memory size (default 10)"
    )
    p.add_argument(
        "--warmup", type=int, default=1, metavar="N", help="unmeasured invocations after each update (default 1)"
    )
    p.add_argument("--parallel", type=int, default=1, metavar="K", help="concurrent invocations (default 1: serial)")
    p.add_argument("--strategy", choices=STRATEGIES, default="cost", help="what to optimize (default cost)")
    p.add_argument(
        "--balanced-weight",
        type=float,
        default=0.5,
        metavar="W",
        help="balanced: weight of cost, 0 = speed .. 1 = cost (default 0.5)",
    )
    p.add_argument(
        "--trim",
        type=float,
        default=0.2,
        metavar="F",
        help="share dropped at each end for the trimmed mean (default 0.2)",
    )
    p.add_argument("--payload", metavar="FILE", help="JSON event to send (default: an HTTP API v2 GET /orders/bench-1)")
    p.add_argument(
        "--price-per-gb-second", type=float, metavar="USD", help="override the duration price (USD per GB-s)"
    )
    p.add_argument(
        "--out-dir",
        default="power-tuning-results",
        metavar="DIR",
        help="where the JSON and PNG go (default ./power-tuning-results)",
    )
    p.add_argument("--no-chart", action="store_true", help="skip the PNG chart")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--poll-seconds", type=float, default=1.0, metavar="S", help="update-status polling interval (default 1)"
    )
    add_common_args(p)
    return p


def finish(
    outcome: dict[str, Any], *, strategy: str, weight: float, out_dir: Path | None, chart: bool, stamp: str
) -> dict[str, Any]:
    """Recommendation + JSON/PNG files; returns the report dict (what --json prints)."""
    results: list[MemoryResult] = outcome["results"]
    report = {**outcome, "results": [r.to_dict() for r in results]}
    report["recommendation"] = recommend(results, strategy, weight)
    if out_dir is not None:
        base = out_dir / f"{_safe_name(report['function']['name'])}-{stamp}"
        if chart:
            report["chart_path"] = str(write_chart(report, base.with_suffix(".png")))
        report["json_path"] = str(base.with_suffix(".json"))
        base.parent.mkdir(parents=True, exist_ok=True)
        base.with_suffix(".json").write_text(output.dumps(report) + "\n", encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.strategy == "balanced" and not 0 <= args.balanced_weight <= 1:
        raise ToolError("--balanced-weight must be between 0 and 1")
    payload = load_payload(args.payload)
    session = make_session(args.region, args.profile)
    target = resolve_target(
        client(session, "cloudformation") if not args.function_name else None,
        function_name=args.function_name,
        stack=args.stack,
        stage=args.stage,
        project=args.project,
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

    total = len(args.memory_sizes) * (args.warmup + args.invocations)
    bar = tqdm(
        total=total, unit="inv", desc="power tuning", file=sys.stderr, disable=True if args.no_progress else None
    )
    try:
        outcome = sweep(
            lam,
            target.function_name,
            args.memory_sizes,
            invocations=args.invocations,
            payload=payload,
            prices_for=prices_for,
            warmup=args.warmup,
            parallel=args.parallel,
            trim=args.trim,
            poll_seconds=args.poll_seconds,
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
    print(output.dumps(report) if args.json else render(report))
    return 0 if report["restored"] in (None, True) else 1


if __name__ == "__main__":
    sys.exit(run(main))
