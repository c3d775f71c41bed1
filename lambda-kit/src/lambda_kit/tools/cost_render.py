"""The text ``tools.cost`` prints (the numbers come from ``tools.cost.calculate``)."""

from __future__ import annotations

from typing import Any

from lambda_kit.tools import output, pricing


def render(result: dict[str, Any]) -> str:
    i, m, p, pc = result["inputs"], result["memory"], result["prices"], result["provisioned_concurrency"]
    traffic = (
        f", {i['invocations']:,.0f} invocations x {i['avg_duration_ms']:g} ms"
        if i["invocations"]
        else ", no invocations"
    )
    out = [
        f"Lambda cost: {i['region']} {i['architecture']}, {i['memory_mb']} MB for {i['hours']:g} h{traffic}"
        + (f" (measured: {i['from_report']})" if i["from_report"] else ""),
        f"Memory -> CPU: {i['memory_mb']} MB = {m['gb']:g} GB -> {m['vcpus']} vCPU{'s' if m['vcpus'] > 1 else ''} "
        f"visible, CPU time = {m['vcpu_share']:.2f} vCPU's worth ({m['rule']})",
        "Prices (USD):" + _price_line(p),
        "",
    ]
    lmi = result.get("managed_instances")
    if lmi:
        out += _lmi_prices(lmi["prices"], lmi["config"]["egress"]), ""
    # The managed-instances columns only when that line is there.
    columns = [("requests",), ("duration",), ("init",), ("provisioned",), ("snapstart_cache", "snapstart_restore")]
    columns += [("ephemeral",)] + ([("instances",), ("management_fee",), ("network",)] if lmi else [])
    rows = [
        [
            line["strategy"],
            *(output.usd(sum(line[key] for key in keys), 4) for keys in columns),
            output.usd(line["total"], 4),
            output.usd(line["per_day"], 2),
        ]
        for line in result["lines"]
    ]
    if rows:
        headers = ["strategy", "requests", "duration", "INIT", "PC charge", "SnapStart", "storage"]
        headers += ["instances", "LMI fee", "VPC"] if lmi else []
        out.append(output.table([*headers, "total", "per day"], rows))
        for line in result["lines"]:
            for note in line["notes"]:
                out.append(f"  {line['strategy']}: {note}")
        out.append("")
    if pc.get("charge") is not None:
        out.append(
            f"Provisioned concurrency: {i['provisioned_concurrency']} x {m['gb']:g} GB x {i['hours']:g} h = "
            f"{pc['capacity_gb_seconds']:,.0f} GB-s x {output.price(p['pc_per_gb_second'])} = {output.usd(pc['charge'])} "
            f"-> {output.usd(pc['charge_per_day'])} per day (PC charge alone, before requests and duration)"
        )
        out.append(f"PC utilization in this scenario: {pc['utilization']:.1%}")
    if pc["pc_never_cheaper"]:
        be = pricing.break_even_utilization(pricing.Prices(**{**p, "duration_tiers": tuple(p["duration_tiers"])}))
        out.append(
            f"Break-even: PC never beats on-demand here (it would need {be:.0%} utilization): "
            "use it for latency, not to save money"
        )
    elif pc["break_even_utilization"] is not None:
        out.append(
            f"Break-even: PC is cheaper than on-demand when provisioned environments are busy more than "
            f"{pc['break_even_utilization']:.1%} of the time"
        )
    if result["cold_starts"]:
        out += ["", *_cold_starts(result["cold_starts"], i)]
    if lmi:
        out += ["", *_lmi_break_even(lmi["break_even"])]
    out += result["notes"]
    for flagged in result["flagged_prices"]:
        out.append(f"note: price not published as such, used anyway: {flagged}")
    return "\n".join(out)


def _cold_starts(cold: dict[str, Any], i: dict[str, Any]) -> list[str]:
    rows = [
        [
            r["strategy"],
            f"{r['cold_starts']:,.0f}",
            output.ms(r["latency_ms"]),
            output.usd(r["cold_start_cost"], 4),
            output.usd(r["total"], 4),
            output.usd(r["per_day"], 2),
            r["note"],
        ]
        for r in cold["rows"]
    ]
    lines = [
        f"Cold starts for the same traffic ({i['cold_start_rate'] or 0:.1%} of invocations start a new environment, "
        f"Init Duration {i['init_ms']:g} ms):",
        output.table(
            ["strategy", "cold starts", "added ms each", "cold-start cost", "total", "per day", ""],
            rows,
            align="lrrrrrl",
        ),
    ]
    be = cold["break_even"]
    if "provisioned_utilization" in be:
        u, rate = be["provisioned_utilization"], be["provisioned_cold_start_rate"]
        by_util = f"above {u:.0%} utilization" if u is not None and u < 1 else "never"
        if rate is None:
            by_rate = ""
        elif rate <= 0:
            by_rate = "at this traffic PC costs less even without cold starts; "
        elif rate > 1:
            by_rate = "at this traffic PC costs more whatever the cold-start rate; "
        else:
            by_rate = f"at this traffic PC costs less once more than {rate:.2%} of invocations would start cold; "
        lines.append(f"Break-even, provisioned vs none: {by_rate}on duration prices alone: {by_util}")
    if "snapstart_cold_starts_per_day" in be:
        n = be["snapstart_cold_starts_per_day"]
        lines.append(
            "Break-even, snapstart vs none: "
            + (
                f"the snapshot cache pays for itself above {n:,.0f} cold starts a day"
                if n is not None
                else "never: a restore costs more than the INIT it replaces"
            )
        )
    return lines


def _price_line(p: dict[str, Any]) -> str:
    tiers = p["duration_tiers"] or [[None, p["duration_per_gb_second"]]]
    parts = [
        f"requests ${p['request_per_million']:.2f}/M",
        "duration "
        + " / ".join(
            f"{output.price(price)}" + (f" to {upper / 1e9:g} B GB-s/month" if upper else "") for upper, price in tiers
        )
        + f" [{_status(p, 'duration_per_gb_second')}]",
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
    if p["ephemeral_per_gb_second"] is not None:
        parts.append(
            f"ephemeral storage {output.price(p['ephemeral_per_gb_second'])}/GB-s "
            f"[{_status(p, 'ephemeral_per_gb_second')}]"
        )
    return "\n  ".join(["", *parts]) + f"\n  (source: {p['source']}, {p['as_of']})"


def _status(p: dict[str, Any], key: str) -> str:
    status: str = p["status"].get(key, "?")
    return status.split(":")[0]


def _lmi_prices(p: dict[str, Any], egress: str) -> str:
    instance = p["instance"]
    parts = [
        f"{instance['name']} ${instance['per_hour']:.4f}/h [{instance['status'].split(':')[0]}]",
        f"management fee {p['management_fee_fraction']:.0%} of the on-demand price [{_status(p, 'management_fee_fraction')}]",
    ]
    key, label = {
        "endpoints": ("interface_endpoint_per_az_hour", "interface endpoint"),
        "nat": ("nat_gateway_per_hour", "NAT gateway"),
    }[egress]
    if p[key] is not None:
        parts.append(f"{label} ${p[key]:.4f}/h per zone [{_status(p, key)}]")
    return "Managed-instances prices (USD):" + "\n  ".join(["", *parts]) + f"\n  (source: {p['source']}, {p['as_of']})"


def _lmi_break_even(rows: list[dict[str, Any]]) -> list[str]:
    """Per duration, the request rate above which managed instances cost less than each other strategy."""
    strategies = list(dict.fromkeys(row["strategy"] for row in rows))
    by_duration: dict[float, dict[str, str]] = {}
    for row in rows:
        if row["from_rate"] is None:
            cell = "never"
        elif row["always"]:
            cell = "always"
        else:
            cell = f"> {row['from_rate']:,.1f}/s"
        if row["up_to"] is not None:
            cell += f" (to {row['up_to']:,.0f}/s)"
        by_duration.setdefault(row["duration_ms"], {})[row["strategy"]] = cell
    table = [
        [output.ms(duration), *(cells.get(strategy, "") for strategy in strategies)]
        for duration, cells in by_duration.items()
    ]
    return [
        "Break-even, managed-instances vs each strategy: the request rate (evenly spread, this period; the fleet "
        "sized for it) above which managed instances cost less",
        output.table(["duration (ms)", *(f"vs {s}" for s in strategies)], table, align="l" + "r" * len(strategies)),
    ]
