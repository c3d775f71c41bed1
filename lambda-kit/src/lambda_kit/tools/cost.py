"""Lambda cost calculator: on-demand, provisioned concurrency, SnapStart and managed instances, with the PC and
managed-instances break-evens and what cold starts cost under each (``--help`` has examples).

Works offline from tools/data/lambda_prices.json (no AWS call unless --profile is used to pick a region).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Any

from lambda_kit.tools import cold_start_cost, cost_lmi, cost_render, lmi_pricing, output, pricing
from lambda_kit.tools.aws import ToolError, run

STRATEGIES = ("all", "on-demand", "provisioned", "snapstart", lmi_pricing.STRATEGY)
DEFAULT_REGION = "ap-northeast-1"
# The price overrides: each price of pricing.Prices (the flag's dest) -> its flag and help.
PRICE_FLAGS: dict[str, tuple[str, str]] = {
    "pc_per_gb_second": ("--pc-price-per-gb-second", "PC charge per GB-s (seed: 0.000004463)"),
    "pc_duration_per_gb_second": ("--pc-duration-price-per-gb-second", "duration per GB-s under PC"),
    "duration_per_gb_second": ("--duration-price-per-gb-second", "on-demand duration per GB-s (no tiers)"),
    "request_per_million": ("--request-price-per-million", "request price per million"),
    "snapstart_cache_per_gb_second": ("--snapstart-cache-price", "SnapStart cache price per GB-s"),
    "snapstart_restore_per_gb": ("--snapstart-restore-price", "SnapStart restore price per GB"),
    "ephemeral_per_gb_second": ("--ephemeral-price", "ephemeral storage price per GB-s"),
}


EXAMPLES = """\
examples:
  # the course's example at the seed's price ($1.93 per day) and at AWS's (about $2.33):
  lambda-kit cost --memory 512 --provisioned-concurrency 10 --hours 24 \\
      --region ap-northeast-1 --architecture x86_64 --pc-price-per-gb-second 0.000004463

  # cold starts priced for the same traffic: none / provisioned / snapstart, with the break-even:
  lambda-kit cost --memory 512 --invocations 1000000 --avg-duration-ms 40 \\
      --cold-start-rate 0.02 --init-ms 450 --provisioned-concurrency 2 --region us-east-1

  # the same from a measurement (lambda-kit cold-start --stage dev --json > cold.json):
  lambda-kit cost --from-report cold.json --invocations 1000000 --cold-start-rate 0.02

  # managed instances beside them, with the request rates above which they cost less (us-east-1 has the prices):
  lambda-kit cost --memory 512 --invocations 50000000 --avg-duration-ms 100 --hours 730 --region us-east-1

exit status: 0 ok, 1 missing price data or AWS error, 2 bad arguments
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lambda-kit cost",
        description="Price a Lambda function on-demand, with provisioned concurrency (PC) and with SnapStart: "
        "tiered duration, billed INIT of cold starts, ephemeral storage, optional free tier; the utilization at "
        "which PC becomes cheaper, and what cold starts cost under each strategy.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    w = p.add_argument_group("workload")
    w.add_argument("--memory", type=int, metavar="MB", help="memory size in MB, 128..10240 (or from --from-report)")
    w.add_argument(
        "--provisioned-concurrency", type=int, default=0, metavar="N", help="provisioned environments (default 0)"
    )
    w.add_argument("--hours", type=float, default=24.0, metavar="H", help="period priced, in hours (default 24)")
    w.add_argument("--invocations", type=float, default=0, metavar="N", help="invocations in the period (default 0)")
    w.add_argument(
        "--avg-duration-ms", type=float, metavar="MS", help="average billed duration of a warm invocation, ms"
    )
    w.add_argument(
        "--architecture", choices=pricing.ARCHITECTURES, help="default arm64 (the stack's) or --from-report's"
    )
    w.add_argument("--strategy", choices=STRATEGIES, default="all", help="which pricing to show (default: all)")
    w.add_argument(
        "--ephemeral-storage-mb",
        type=int,
        default=pricing.FREE_STORAGE_MB,
        metavar="MB",
        help="ephemeral storage (512..10240; above 512 MB it is billed per GB-s)",
    )
    w.add_argument(
        "--account-gb-seconds",
        type=float,
        default=0.0,
        metavar="N",
        help="GB-s this month by the account's other functions of this architecture and region (tiers)",
    )
    w.add_argument(
        "--free-tier",
        action="store_true",
        help="subtract the free tier (1M requests, 400,000 GB-s a month): only if nothing else in the account uses it",
    )
    c = p.add_argument_group("cold starts (INIT billed on-demand since 2025-08-01)")
    c.add_argument(
        "--cold-start-rate",
        "--cold-start-ratio",
        type=float,
        metavar="R",
        default=None,
        help="share of invocations on a new environment (default 0.01 for SnapStart restores)",
    )
    c.add_argument("--init-ms", type=float, metavar="MS", help="Init Duration of a cold start (billed)")
    c.add_argument("--from-report", metavar="FILE", help="JSON from `lambda-kit cold-start --json`")
    c.add_argument("--restore-ms", type=float, metavar="MS", help="SnapStart Restore Duration (latency)")
    c.add_argument(
        "--billed-restore-ms", type=float, default=0.0, metavar="MS", help="SnapStart Billed Restore Duration"
    )
    s = p.add_argument_group("SnapStart (Python 3.12+, published versions; not combinable with PC)")
    s.add_argument(
        "--snapstart-restores", type=float, metavar="N", help="restores in the period (default: rate x invocations)"
    )
    s.add_argument("--snapstart-versions", type=int, metavar="N", default=1, help="versions with a cached snapshot")
    o = p.add_argument_group("price overrides (USD)")
    for price, (flag, text) in PRICE_FLAGS.items():
        o.add_argument(flag, type=float, metavar="USD", dest=price, help=text)
    a = p.add_argument_group("AWS")
    a.add_argument("--region", help=f"price region (default: $AWS_REGION, the --profile's region, or {DEFAULT_REGION})")
    a.add_argument("--profile", help="only used to find a default region")
    cost_lmi.add_arguments(p)
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    return p


def _region(args: argparse.Namespace) -> str:
    region: str | None = args.region
    if region:
        return region
    if args.profile:
        from lambda_kit.tools.aws import make_session

        profile_region: str = make_session(None, args.profile).region_name
        return profile_region
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def calculate(
    *,
    memory: int,
    prices: pricing.Prices,
    provisioned_concurrency: int = 0,
    hours: float = 24.0,
    invocations: float = 0,
    avg_duration_ms: float | None = None,
    strategy: str = "all",
    snapstart_restores: float | None = None,
    cold_start_rate: float | None = None,
    init_ms: float | None = None,
    restore_ms: float | None = None,
    billed_restore_ms: float = 0.0,
    snapstart_versions: int = 1,
    ephemeral_storage_mb: int = pricing.FREE_STORAGE_MB,
    account_gb_seconds: float = 0.0,
    free_tier: bool = False,
    reference_prices: pricing.Prices | None = None,
    source: str | None = None,
    lmi: tuple[lmi_pricing.LmiConfig, lmi_pricing.LmiPrices | pricing.PriceError] | None = None,
) -> dict[str, Any]:
    """All numbers the tool prints, as a dict (the --json output). Raises ValueError for bad arguments."""
    pricing.validate_memory(memory)
    pricing.validate_storage(ephemeral_storage_mb)
    if hours <= 0:
        raise ValueError("--hours must be > 0")
    if invocations < 0 or provisioned_concurrency < 0 or account_gb_seconds < 0:
        raise ValueError("--invocations, --provisioned-concurrency and --account-gb-seconds must be >= 0")
    if invocations and avg_duration_ms is None:
        raise ValueError("--avg-duration-ms is needed with --invocations (or --from-report)")
    if cold_start_rate is not None and init_ms is None:
        raise ValueError("--cold-start-rate needs --init-ms (or --from-report with a cold start in it)")
    rate = 0.01 if cold_start_rate is None else cold_start_rate
    w = cold_start_cost.workload_with_cold_starts(
        pricing.Workload(
            memory,
            invocations,
            avg_duration_ms or 0.0,
            hours,
            init_ms=init_ms or 0.0,
            storage_mb=ephemeral_storage_mb,
            account_month_gb_seconds=account_gb_seconds,
            free_tier=free_tier,
        ),
        rate if init_ms is not None else 0.0,
    )
    restores = snapstart_restores if snapstart_restores is not None else math.ceil(invocations * rate)
    lines: list[pricing.CostLine] = []
    notes: list[str] = []

    def want(s: str) -> bool:
        return strategy in ("all", s)

    if want("on-demand"):
        lines.append(pricing.on_demand_for(w, prices))
    if want("provisioned"):
        if provisioned_concurrency > 0:
            lines.append(
                pricing.provisioned(
                    memory, provisioned_concurrency, hours, invocations, w.avg_duration_ms, prices, **w.options()
                )
            )
        elif strategy == "provisioned":
            raise ValueError("--strategy provisioned needs --provisioned-concurrency N > 0")
    if want("snapstart"):
        try:
            lines.append(
                pricing.snapstart(
                    memory,
                    hours,
                    invocations,
                    w.avg_duration_ms,
                    restores,
                    prices,
                    snapstart_versions,
                    billed_restore_ms,
                    **w.options(),  # its cold_starts are replaced by the restores
                )
            )
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

    lmi_line, lmi_details = None, None
    if strategy == lmi_pricing.STRATEGY and lmi is None:
        raise ValueError("--strategy managed-instances needs its configuration (the --lmi-* options)")
    if want(lmi_pricing.STRATEGY) and lmi is not None:
        priced = cost_lmi.price(
            w,
            prices,
            lmi[1],
            lmi[0],
            strategy=strategy,
            notes=notes,
            concurrency=provisioned_concurrency,
            cached_versions=snapstart_versions,
            billed_restore_ms=billed_restore_ms,
        )
        if priced:
            lmi_line, lmi_details = priced
            lines.append(lmi_line)

    pc_info = _pc_info(memory, provisioned_concurrency, hours, invocations, w.avg_duration_ms, prices)
    if (
        reference_prices is not None
        and provisioned_concurrency > 0
        and reference_prices.pc_per_gb_second is not None
        and prices.pc_per_gb_second != reference_prices.pc_per_gb_second
    ):
        ref = pricing.pc_capacity_gb_seconds(memory, provisioned_concurrency, hours) * reference_prices.pc_per_gb_second
        pc_info["reference_charge_per_day"] = pricing.per_day(ref, hours)
        notes.append(
            f"PC price overridden: {output.price(prices.pc_per_gb_second)}/GB-s replaces the data file's "
            f"{output.price(reference_prices.pc_per_gb_second)}/GB-s "
            f"({reference_prices.status.get('pc_per_gb_second', '?').split(':')[0]}, {reference_prices.as_of}); "
            f"at that price the PC charge is {output.usd(pricing.per_day(ref, hours))} per day"
        )
    cold = None
    if init_ms is not None:
        cold = cold_start_cost.compare(
            w,
            prices,
            concurrency=provisioned_concurrency,
            restore_ms=restore_ms,
            billed_restore_ms=billed_restore_ms,
            cached_versions=snapstart_versions,
            managed_instances=lmi_line,
        )
        cold["rows"] = [r.to_dict() for r in cold["rows"]]
    return {
        "inputs": {
            "memory_mb": memory,
            "provisioned_concurrency": provisioned_concurrency,
            "hours": hours,
            "invocations": invocations,
            "avg_duration_ms": avg_duration_ms,
            "cold_start_rate": cold_start_rate,
            "init_ms": init_ms,
            "billed_restore_ms": billed_restore_ms,
            "ephemeral_storage_mb": ephemeral_storage_mb,
            "account_gb_seconds": account_gb_seconds,
            "free_tier": free_tier,
            "region": prices.region,
            "architecture": prices.architecture,
            "strategy": strategy,
            "from_report": source,
        },
        "memory": {
            "gb": pricing.gb(memory),
            "vcpu_share": pricing.vcpu_share(memory),
            "vcpus": pricing.vcpu_count(memory),
            "rule": "AWS: CPU is proportional to memory, 1,769 MB = one vCPU's worth of CPU time; the function "
            "sees 1 vCPU up to 1,769 MB, then one more per 1,769 MB, 6 at most (10,240 MB)",
        },
        "prices": prices.to_dict(),
        "flagged_prices": prices.flagged(
            _used_prices(lines, ephemeral_storage_mb)
            + (("duration_tiers",) if pricing.higher_tiers_used(w, prices) else ())
        )
        + (
            cost_lmi.flagged(lmi[1], lmi[0])
            if lmi and lmi_details and not isinstance(lmi[1], pricing.PriceError)
            else []
        ),
        "lines": [line.to_dict(hours) for line in lines],
        "provisioned_concurrency": pc_info,
        "cold_starts": cold,
        "managed_instances": lmi_details,
        "notes": notes,
    }


def _used_prices(lines: list[pricing.CostLine], storage_mb: int) -> tuple[str, ...]:
    used = ["request_per_million", "duration_per_gb_second", "pc_per_gb_second", "pc_duration_per_gb_second"]
    if any(line.strategy == "snapstart" for line in lines):
        used += ["snapstart_cache_per_gb_second", "snapstart_restore_per_gb"]
    if storage_mb > pricing.FREE_STORAGE_MB:
        used.append("ephemeral_per_gb_second")
    return tuple(used)


def _pc_info(
    memory: int, concurrency: int, hours: float, invocations: float, duration: float, prices: pricing.Prices
) -> dict[str, Any]:
    be = pricing.break_even_utilization(prices)
    info: dict[str, Any] = {
        "break_even_utilization": None if be is None or math.isinf(be) else be,
        "pc_never_cheaper": be is not None and be >= 1.0,
    }
    if concurrency > 0:
        capacity = pricing.pc_capacity_gb_seconds(memory, concurrency, hours)
        charge = capacity * prices.pc_per_gb_second if prices.pc_per_gb_second is not None else None
        info.update(
            {
                "capacity_gb_seconds": capacity,
                "charge": charge,
                "charge_per_day": pricing.per_day(charge or 0.0, hours),
                "utilization": pricing.utilization(memory, concurrency, hours, invocations, duration),
            }
        )
    return info


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        measured = cold_start_cost.read_cold_start_report(Path(args.from_report)) if args.from_report else None
    except ValueError as exc:
        parser.error(str(exc))
    memory = args.memory or (measured.memory_mb if measured else None)
    if memory is None:
        parser.error("--memory is required (or --from-report)")
    architecture = args.architecture or (measured.architecture if measured else None) or "arm64"
    region = _region(args)
    try:
        reference = pricing.get_prices(region, architecture)
    except pricing.PriceError as exc:
        raise ToolError(str(exc)) from exc
    prices = reference.with_overrides(**{price: getattr(args, price) for price in PRICE_FLAGS})

    def pick(flag: float | None, from_report: float | None) -> float | None:
        return flag if flag is not None else from_report

    try:
        result = calculate(
            memory=memory,
            prices=prices,
            provisioned_concurrency=args.provisioned_concurrency,
            hours=args.hours,
            invocations=args.invocations,
            avg_duration_ms=pick(args.avg_duration_ms, measured.avg_duration_ms if measured else None),
            strategy=args.strategy,
            snapstart_restores=args.snapstart_restores,
            cold_start_rate=args.cold_start_rate,
            init_ms=pick(args.init_ms, measured.init_ms if measured else None),
            restore_ms=pick(args.restore_ms, measured.restore_ms if measured else None),
            billed_restore_ms=pick(args.billed_restore_ms or None, measured.billed_restore_ms if measured else None)
            or 0.0,
            snapstart_versions=args.snapstart_versions,
            ephemeral_storage_mb=args.ephemeral_storage_mb,
            account_gb_seconds=args.account_gb_seconds,
            free_tier=args.free_tier,
            reference_prices=reference,
            source=measured.source if measured else None,
            lmi=cost_lmi.options(args, region, architecture),
        )
    except pricing.PriceError as exc:
        raise ToolError(str(exc)) from exc
    except ValueError as exc:
        parser.error(str(exc))
    print(output.dumps(result) if args.json else cost_render.render(result))
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
