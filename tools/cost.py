"""Lambda cost calculator: on-demand, provisioned concurrency and SnapStart, with the PC break-even.

    python -m tools.cost --memory 512 --provisioned-concurrency 10 --hours 24 \\
        --region ap-northeast-1 --architecture x86_64 --pc-price-per-gb-second 0.000004463

Works offline from tools/data/lambda_prices.json (no AWS call unless --profile is used to pick a region).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import Any

from tools import output, pricing
from tools.aws import ToolError, run

STRATEGIES = ("all", "on-demand", "provisioned", "snapstart")
DEFAULT_REGION = "ap-northeast-1"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tools.cost",
        description="Price a Lambda function on-demand, with provisioned concurrency (PC) and with SnapStart, "
        "and show the utilization at which PC becomes cheaper than on-demand.",
        epilog="Seed example: --memory 512 --provisioned-concurrency 10 --hours 24 --region ap-northeast-1 "
        "--architecture x86_64 --pc-price-per-gb-second 0.000004463  ->  $1.93 per day "
        "(AWS's published Tokyo price, without the override: about $2.33 per day).",
    )
    w = p.add_argument_group("workload")
    w.add_argument("--memory", type=int, required=True, metavar="MB", help="memory size in MB (128..10240)")
    w.add_argument(
        "--provisioned-concurrency", type=int, default=0, metavar="N", help="provisioned environments (default 0)"
    )
    w.add_argument(
        "--hours", type=float, default=24.0, metavar="H", help="length of the period priced, in hours (default 24)"
    )
    w.add_argument(
        "--invocations", type=float, default=0, metavar="N", help="invocations during the period (default 0)"
    )
    w.add_argument(
        "--avg-duration-ms",
        type=float,
        metavar="MS",
        help="average billed duration per invocation, ms (needed with --invocations)",
    )
    w.add_argument(
        "--architecture", choices=pricing.ARCHITECTURES, default="arm64", help="default arm64 (the stack's default)"
    )
    w.add_argument(
        "--strategy", choices=STRATEGIES, default="all", help="which pricing to show (default: all that apply)"
    )
    s = p.add_argument_group("SnapStart (Python 3.12+, published versions; not combinable with PC)")
    s.add_argument(
        "--snapstart-restores",
        type=float,
        metavar="N",
        help="restores (new environments) in the period (default: --cold-start-ratio x invocations)",
    )
    s.add_argument(
        "--cold-start-ratio",
        type=float,
        metavar="R",
        default=0.01,
        help="share of invocations on a new environment (default 0.01)",
    )
    s.add_argument(
        "--snapstart-versions",
        type=int,
        metavar="N",
        default=1,
        help="published versions with a cached snapshot (default 1)",
    )
    o = p.add_argument_group("price overrides (USD)")
    o.add_argument(
        "--pc-price-per-gb-second", type=float, metavar="USD", help="PC charge per GB-s (e.g. the seed's 0.000004463)"
    )
    o.add_argument(
        "--pc-duration-price-per-gb-second", type=float, metavar="USD", help="duration price per GB-s while PC serves"
    )
    o.add_argument(
        "--duration-price-per-gb-second", type=float, metavar="USD", help="on-demand duration price per GB-s"
    )
    o.add_argument("--request-price-per-million", type=float, metavar="USD", help="request price per million")
    o.add_argument("--snapstart-cache-price", type=float, metavar="USD", help="SnapStart cache price per GB-s")
    o.add_argument(
        "--snapstart-restore-price", type=float, metavar="USD", help="SnapStart restore price per GB restored"
    )
    a = p.add_argument_group("AWS")
    a.add_argument("--region", help=f"price region (default: $AWS_REGION, the --profile's region, or {DEFAULT_REGION})")
    a.add_argument("--profile", help="only used to find a default region")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    return p


def _region(args: argparse.Namespace) -> str:
    region: str | None = args.region
    if region:
        return region
    if args.profile:
        from tools.aws import make_session

        profile_region: str = make_session(None, args.profile).region_name
        return profile_region
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def calculate(
    *,
    memory: int,
    provisioned_concurrency: int = 0,
    hours: float = 24.0,
    invocations: float = 0,
    avg_duration_ms: float | None = None,
    prices: pricing.Prices,
    strategy: str = "all",
    snapstart_restores: float | None = None,
    cold_start_ratio: float = 0.01,
    snapstart_versions: int = 1,
    reference_prices: pricing.Prices | None = None,
) -> dict[str, Any]:
    """All numbers the tool prints, as a dict (the --json output)."""
    pricing.validate_memory(memory)
    if hours <= 0:
        raise ValueError("--hours must be > 0")
    if invocations < 0 or provisioned_concurrency < 0:
        raise ValueError("--invocations and --provisioned-concurrency must be >= 0")
    if invocations and avg_duration_ms is None:
        raise ValueError("--avg-duration-ms is needed with --invocations")
    duration = avg_duration_ms or 0.0
    lines: list[pricing.CostLine] = []
    notes: list[str] = []

    def want(s: str) -> bool:
        return strategy in ("all", s)

    if want("on-demand"):
        lines.append(pricing.on_demand(memory, invocations, duration, prices))
    if want("provisioned"):
        if provisioned_concurrency > 0:
            lines.append(pricing.provisioned(memory, provisioned_concurrency, hours, invocations, duration, prices))
        elif strategy == "provisioned":
            raise ValueError("--strategy provisioned needs --provisioned-concurrency N > 0")
    if want("snapstart"):
        restores = snapstart_restores if snapstart_restores is not None else math.ceil(invocations * cold_start_ratio)
        try:
            lines.append(pricing.snapstart(memory, hours, invocations, duration, restores, prices, snapstart_versions))
            notes.append(
                f"SnapStart: {restores:,.0f} restores assumed, {snapstart_versions} cached version(s); "
                "it cannot be combined with provisioned concurrency"
            )
        except pricing.PriceError:
            msg = (
                f"SnapStart not priced: no SnapStart price for {prices.region}/{prices.architecture} in the data file; "
                "pass --snapstart-cache-price and --snapstart-restore-price"
            )
            if strategy == "snapstart":
                raise ValueError(msg) from None
            notes.append(msg)

    be = pricing.break_even_utilization(prices)
    pc_info: dict[str, Any] = {
        "break_even_utilization": None if be is None or math.isinf(be) else be,
        "pc_never_cheaper": be is not None and be >= 1.0,
    }
    if provisioned_concurrency > 0:
        capacity = pricing.pc_capacity_gb_seconds(memory, provisioned_concurrency, hours)
        pc_info.update(
            {
                "capacity_gb_seconds": capacity,
                "charge": capacity * prices.pc_per_gb_second if prices.pc_per_gb_second is not None else None,
                "charge_per_day": pricing.per_day(capacity * (prices.pc_per_gb_second or 0.0), hours),
                "utilization": pricing.utilization(memory, provisioned_concurrency, hours, invocations, duration),
            }
        )

    if (
        reference_prices is not None
        and provisioned_concurrency > 0
        and reference_prices.pc_per_gb_second is not None
        and prices.pc_per_gb_second != reference_prices.pc_per_gb_second
    ):
        capacity = pricing.pc_capacity_gb_seconds(memory, provisioned_concurrency, hours)
        ref = capacity * reference_prices.pc_per_gb_second
        pc_info["reference_charge_per_day"] = pricing.per_day(ref, hours)
        notes.append(
            f"PC price overridden: {output.price(prices.pc_per_gb_second)}/GB-s replaces the data file's "
            f"{output.price(reference_prices.pc_per_gb_second)}/GB-s "
            f"({reference_prices.status.get('pc_per_gb_second', '?').split(':')[0]}, {reference_prices.as_of}); "
            f"at that price the PC charge is {output.usd(pricing.per_day(ref, hours))} per day"
        )

    return {
        "inputs": {
            "memory_mb": memory,
            "provisioned_concurrency": provisioned_concurrency,
            "hours": hours,
            "invocations": invocations,
            "avg_duration_ms": avg_duration_ms,
            "region": prices.region,
            "architecture": prices.architecture,
            "strategy": strategy,
        },
        "memory": {
            "gb": pricing.gb(memory),
            "vcpu_share": pricing.vcpu_share(memory),
            "vcpus": pricing.vcpu_count(memory),
            "rule": "CPU is proportional to memory: 1,769 MB = 1 vCPU, 10,240 MB = 6 vCPUs",
        },
        "prices": prices.to_dict(),
        "lines": [line.to_dict(hours) for line in lines],
        "provisioned_concurrency": pc_info,
        "notes": notes,
    }


def render(result: dict[str, Any]) -> str:
    i, m, p, pc = result["inputs"], result["memory"], result["prices"], result["provisioned_concurrency"]
    out = [
        f"Lambda cost: {i['region']} {i['architecture']}, {i['memory_mb']} MB for {i['hours']:g} h"
        + (
            f", {i['invocations']:,.0f} invocations x {i['avg_duration_ms']:g} ms"
            if i["invocations"]
            else ", no invocations"
        ),
        f"Memory -> CPU: {i['memory_mb']} MB = {m['gb']:g} GB = {m['vcpu_share']:.2f} vCPU of CPU time on "
        f"{m['vcpus']} vCPU{'s' if m['vcpus'] > 1 else ''} ({m['rule']})",
        "Prices (USD):" + _price_line(p),
        "",
    ]
    rows = [
        [
            line["strategy"],
            output.usd(line["requests"], 4),
            output.usd(line["duration"], 4),
            output.usd(line["provisioned"], 4),
            output.usd(line["snapstart_cache"] + line["snapstart_restore"], 4),
            output.usd(line["total"], 4),
            output.usd(line["per_day"], 2),
        ]
        for line in result["lines"]
    ]
    if rows:
        out.append(
            output.table(["strategy", "requests", "duration", "PC charge", "SnapStart", "total", "per day"], rows)
        )
        for line in result["lines"]:
            for note in line["notes"]:
                out.append(f"  {line['strategy']}: {note}")
        out.append("")
    if "charge" in pc and pc["charge"] is not None:
        out.append(
            f"Provisioned concurrency: {i['provisioned_concurrency']} x {m['gb']:g} GB x {i['hours']:g} h = "
            f"{pc['capacity_gb_seconds']:,.0f} GB-s x {output.price(p['pc_per_gb_second'])} = {output.usd(pc['charge'])} "
            f"-> {output.usd(pc['charge_per_day'])} per day (PC charge alone, before requests and duration)"
        )
        out.append(f"PC utilization in this scenario: {pc['utilization']:.1%}")
    if pc["pc_never_cheaper"]:
        be = pricing.break_even_utilization(_prices_from_dict(p))
        out.append(
            f"Break-even: PC never beats on-demand here (it would need {be:.0%} utilization): "
            "use it for latency, not to save money"
        )
    elif pc["break_even_utilization"] is not None:
        out.append(
            f"Break-even: PC is cheaper than on-demand when provisioned environments are busy more than "
            f"{pc['break_even_utilization']:.1%} of the time"
        )
    for note in result["notes"]:
        out.append(note)
    return "\n".join(out)


def _prices_from_dict(d: dict[str, Any]) -> pricing.Prices:
    return pricing.Prices(**d)


def _price_line(p: dict[str, Any]) -> str:
    parts = [
        f"requests ${p['request_per_million']:.2f}/M",
        f"duration {output.price(p['duration_per_gb_second'])}/GB-s [{_status(p, 'duration_per_gb_second')}]",
    ]
    if p["pc_per_gb_second"] is not None:
        parts.append(f"PC {output.price(p['pc_per_gb_second'])}/GB-s [{_status(p, 'pc_per_gb_second')}]")
        parts.append(
            f"PC duration {output.price(p['pc_duration_per_gb_second'])}/GB-s [{_status(p, 'pc_duration_per_gb_second')}]"
        )
    if p["snapstart_cache_per_gb_second"] is not None:
        parts.append(
            f"SnapStart cache {output.price(p['snapstart_cache_per_gb_second'])}/GB-s "
            f"[{_status(p, 'snapstart_cache_per_gb_second')}], "
            f"restore {output.price(p['snapstart_restore_per_gb'])}/GB [{_status(p, 'snapstart_restore_per_gb')}]"
        )
    return "\n  ".join(["", *parts]) + f"\n  (source: {p['source']}, {p['as_of']})"


def _status(p: dict[str, Any], key: str) -> str:
    status: str = p["status"].get(key, "?")
    return status.split(":")[0]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    region = _region(args)
    try:
        reference = pricing.get_prices(region, args.architecture)
        prices = reference.with_overrides(
            pc_per_gb_second=args.pc_price_per_gb_second,
            pc_duration_per_gb_second=args.pc_duration_price_per_gb_second,
            duration_per_gb_second=args.duration_price_per_gb_second,
            request_per_million=args.request_price_per_million,
            snapstart_cache_per_gb_second=args.snapstart_cache_price,
            snapstart_restore_per_gb=args.snapstart_restore_price,
        )
        result = calculate(
            memory=args.memory,
            provisioned_concurrency=args.provisioned_concurrency,
            hours=args.hours,
            invocations=args.invocations,
            avg_duration_ms=args.avg_duration_ms,
            prices=prices,
            strategy=args.strategy,
            snapstart_restores=args.snapstart_restores,
            cold_start_ratio=args.cold_start_ratio,
            snapstart_versions=args.snapstart_versions,
            reference_prices=reference,
        )
    except (pricing.PriceError, ValueError) as exc:
        raise ToolError(str(exc)) from exc
    print(output.dumps(result) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
