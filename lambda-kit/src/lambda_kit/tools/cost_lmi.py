"""The managed-instances part of ``lambda-kit cost``: its options, its prices, its line beside the others, its row
among the cold-start strategies and its break-evens (``tools.lmi_pricing``, ``tools.lmi_break_even``)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from lambda_kit.tools import lmi_break_even, lmi_pricing, pricing


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group(
        "managed instances (cold_start_strategy='managed-instances': EC2 hours + fee + requests, no duration)"
    )
    g.add_argument("--lmi-instance-type", metavar="TYPE", help="default: c7g/m7g/r7g.xlarge by ratio (i on x86_64)")
    g.add_argument(
        "--lmi-memory-per-vcpu", type=int, default=2, choices=lmi_pricing.MEMORY_GIB_PER_VCPU, help="GiB (default 2)"
    )
    g.add_argument("--lmi-memory", type=int, metavar="MB", help="per environment (default: --memory, 2048 at least)")
    g.add_argument("--lmi-concurrency", type=int, metavar="N", help="requests per environment (default 16 per vCPU)")
    g.add_argument("--lmi-min-environments", type=int, default=3, metavar="N", help="per version (default 3)")
    g.add_argument("--lmi-instances", type=int, metavar="N", help="the fleet (default: what the traffic needs)")
    g.add_argument("--lmi-egress", choices=lmi_pricing.EGRESS, default="endpoints", help="the VPC's route out")
    g.add_argument(
        "--lmi-interface-endpoints",
        type=int,
        default=3,
        metavar="N",
        help="with endpoints (default 3: logs, xray, ...)",
    )
    g.add_argument("--lmi-ec2-discount", type=float, default=0.0, metavar="R", help="Savings Plan on EC2 only, 0..1")
    g.add_argument("--lmi-instance-price", type=float, metavar="USD", help="per instance-hour (overrides the file)")
    g.add_argument("--lmi-endpoint-price", type=float, metavar="USD", help="per interface endpoint and zone-hour")
    g.add_argument("--lmi-nat-price", type=float, metavar="USD", help="per NAT gateway-hour, its address included")


def options(args: argparse.Namespace, region: str, architecture: str) -> tuple[lmi_pricing.LmiConfig, Any]:
    """(config, prices or the PriceError that keeps the line out) from the command line."""
    config = lmi_pricing.LmiConfig(
        memory_gib_per_vcpu=args.lmi_memory_per_vcpu,
        memory_mb=args.lmi_memory,
        concurrency=args.lmi_concurrency,
        min_environments=args.lmi_min_environments,
        instances=args.lmi_instances,
        egress=args.lmi_egress,
        interface_endpoints=args.lmi_interface_endpoints,
        ec2_discount=args.lmi_ec2_discount,
    )
    instance_type = args.lmi_instance_type or lmi_pricing.default_instance_type(
        architecture, config.memory_gib_per_vcpu
    )
    try:
        prices: Any = lmi_pricing.get_lmi_prices(region, instance_type).with_overrides(
            instance_price=args.lmi_instance_price, endpoint_price=args.lmi_endpoint_price, nat_price=args.lmi_nat_price
        )
    except pricing.PriceError as error:
        prices = error
    return config, prices


def price(
    w: pricing.Workload,
    prices: pricing.Prices,
    lmi_prices: lmi_pricing.LmiPrices | pricing.PriceError,
    config: lmi_pricing.LmiConfig,
    *,
    strategy: str,
    notes: list[str],
    **others: Any,
) -> tuple[pricing.CostLine, dict[str, Any]] | None:
    """The line and its details (fleet, prices, break-evens), or None with a note saying what is missing; with
    ``--strategy managed-instances`` a missing price is an error."""
    try:
        if isinstance(lmi_prices, pricing.PriceError):
            raise lmi_prices
        lmi_pricing.validate(w.memory_mb, config)
        line, fleet = lmi_pricing.managed_instances(w, prices, lmi_prices, config)
    except (pricing.PriceError, ValueError) as error:  # a missing price, or settings LMI cannot run
        message = f"managed instances not priced: {error}"
        if strategy == lmi_pricing.STRATEGY:
            raise ValueError(message) from None
        notes.append(message)
        return None
    details = {
        "fleet": asdict(fleet),
        "environment_memory_mb": config.environment_memory(w.memory_mb),
        "config": asdict(config),
        "prices": asdict(lmi_prices),
        "break_even": [row.to_dict() for row in lmi_break_even.table(w, prices, lmi_prices, config, **others)],
    }
    return line, details


def flagged(lmi_prices: lmi_pricing.LmiPrices, config: lmi_pricing.LmiConfig) -> list[str]:
    """The prices the line used that are not published numbers."""
    used = {
        "instance": lmi_prices.instance.status,
        "management_fee_fraction": lmi_prices.status["management_fee_fraction"],
    }
    if config.egress == "nat":
        used |= {
            k: lmi_prices.status[k] for k in ("nat_gateway_per_hour", "public_ipv4_per_hour") if k in lmi_prices.status
        }
    elif config.interface_endpoints:
        used["interface_endpoint_per_az_hour"] = lmi_prices.status["interface_endpoint_per_az_hour"]
    return [f"{key}: {status}" for key, status in used.items() if not status.startswith("published")]
