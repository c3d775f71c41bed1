"""The bill's arithmetic: monthly duration tiers (on and around their bounds), ephemeral storage, the free
tier, billed INIT, SnapStart away from 1 GB, and the guards for prices the data file does not have."""

from __future__ import annotations

import json

import pytest

from lambda_kit.tools import cold_start_cost, cost, pricing
from lambda_kit.tools.aws import run

X86 = pricing.get_prices("us-east-1", "x86_64")
ARM = pricing.get_prices("us-east-1", "arm64")
MONTH = pricing.HOURS_PER_MONTH


def month_cost(gb_seconds: float, prices: pricing.Prices, already: float = 0.0) -> float:
    return sum(u.cost for u in pricing.tiered_month(gb_seconds, prices, already))


# ---------------------------------------------------------------- tiers


@pytest.mark.parametrize(
    ("prices", "first", "second"),
    [(X86, 6e9, 15e9), (ARM, 7.5e9, 18.75e9)],
    ids=["x86_64: 6 B / 15 B", "arm64: 7.5 B / 18.75 B"],
)
def test_tier_bounds(prices: pricing.Prices, first: float, second: float) -> None:
    (_, p1), (_, p2), (_, p3) = prices.tiers
    assert p2 == pytest.approx(p1 * 0.9, rel=1e-4) and p3 == pytest.approx(p1 * 0.8, rel=1e-4)
    # exactly on the first bound: everything in tier 1
    assert [u.tier for u in pricing.tiered_month(first, prices)] == [1]
    assert month_cost(first, prices) == pytest.approx(first * p1)
    # one GB-second more: that one is billed in tier 2
    assert month_cost(first + 1, prices) == pytest.approx(first * p1 + p2)
    # exactly on the second bound: tiers 1 and 2 full, nothing in 3
    uses = pricing.tiered_month(second, prices)
    assert [(u.tier, u.gb_seconds) for u in uses] == [(1, first), (2, second - first)]
    assert month_cost(second + 10, prices) == pytest.approx(first * p1 + (second - first) * p2 + 10 * p3)


def test_the_accounts_other_use_fills_the_tiers_first() -> None:
    # 1 B GB-s of this function after 5.5 B by others: 0.5 B at tier 1, 0.5 B at tier 2
    uses = pricing.tiered_month(1e9, X86, already_used=5.5e9)
    assert [(u.tier, u.gb_seconds) for u in uses] == [(1, 0.5e9), (2, 0.5e9)]


def test_a_period_is_tiered_on_the_monthly_total_it_implies() -> None:
    # 10 B GB-s in half a month -> 20 B a month: tier 3 reached; the half month pays half the month's bill
    cost_half, note = pricing.tiered_cost(10e9, MONTH / 2, X86)
    assert cost_half == pytest.approx(month_cost(20e9, X86) / 2)
    assert "monthly total of 20,000,000,000 GB-s" in note and "tier 3" in note
    assert pricing.tiered_cost(0, 24, X86) == (0.0, "")


def test_an_overridden_duration_price_is_flat() -> None:
    flat = X86.with_overrides(duration_per_gb_second=0.00001)
    assert flat.tiers == ((None, 0.00001),)
    assert month_cost(20e9, flat) == pytest.approx(20e9 * 0.00001)
    assert flat.status["duration_per_gb_second"] == "override (command line)"


def test_a_data_file_whose_first_tier_disagrees_is_refused(tmp_path) -> None:
    data = json.loads(pricing.PRICES_FILE.read_text())
    data["prices"]["us-east-1"]["x86_64"]["duration_tiers"][0]["price_per_gb_second"] = 1.0
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(data))
    with pytest.raises(pricing.PriceError, match="first duration tier"):
        pricing.get_prices("us-east-1", "x86_64", path)


# ---------------------------------------------------------------- on-demand extras


def test_ephemeral_storage_above_512_mb_is_billed_per_gb_second() -> None:
    # 1 M invocations x 100 ms = 100,000 s; 2,560 MB = 2 GB above the included 512 MB
    line = pricing.on_demand(1024, 1_000_000, 100, X86, storage_mb=2560)
    assert line.ephemeral == pytest.approx(2 * 100_000 * 0.0000000309)
    assert line.total == pytest.approx(line.requests + line.duration + line.ephemeral)
    assert pricing.on_demand(1024, 1_000_000, 100, X86).ephemeral == 0.0
    with pytest.raises(pricing.PriceError, match="ephemeral"):
        pricing.on_demand(1024, 1, 100, pricing.get_prices("ap-northeast-1", "x86_64"), storage_mb=1024)
    with pytest.raises(ValueError, match=r"512\.\.10240"):
        pricing.validate_storage(511)
    assert pricing.validate_storage(512) == 512 and pricing.validate_storage(10_240) == 10_240


def test_free_tier_is_opt_in_and_prorated() -> None:
    without = pricing.on_demand(1024, 2_000_000, 100, X86, hours=MONTH)
    with_free = pricing.on_demand(1024, 2_000_000, 100, X86, hours=MONTH, free_tier=True)
    assert without.requests == pytest.approx(0.40)
    assert with_free.requests == pytest.approx(0.20)  # 1 M of 2 M free
    assert without.duration == pytest.approx(200_000 * X86.duration_per_gb_second)
    assert with_free.duration == 0.0  # 200,000 GB-s, all inside the 400,000 free
    assert any("shared by the whole account" in n for n in with_free.notes)
    assert pricing.free_tier_share(MONTH / 2) == (500_000, 200_000)
    assert pricing.free_tier_share(2 * MONTH) == (1_000_000, 400_000)  # never more than one month's


def test_billed_init_is_its_own_column() -> None:
    # 1,000 cold starts x 500 ms at 1 GB = 500 GB-s of INIT; 10,000 x 100 ms = 1,000 GB-s of handler time
    line = pricing.on_demand(1024, 10_000, 100, X86, cold_starts=1_000, init_ms=500)
    assert line.init == pytest.approx(500 * X86.duration_per_gb_second)
    assert line.duration == pytest.approx(1_000 * X86.duration_per_gb_second)


def test_provisioned_has_no_free_tier_and_bills_spilled_cold_starts() -> None:
    # capacity 3,600 GB-s; traffic 7,200 GB-s -> half spills on-demand, with half the cold starts
    line = pricing.provisioned(1024, 1, 1, 72_000, 100, X86, cold_starts=100, init_ms=1000, free_tier=True)
    assert line.init == pytest.approx(50 * 1.0 * X86.duration_per_gb_second)
    assert line.requests == pytest.approx(72_000 * 0.2e-6)  # free tier not applied
    assert line.total == pytest.approx(line.requests + line.duration + line.init + line.provisioned)


# ---------------------------------------------------------------- SnapStart away from 1 GB, totals, guards


def test_snapstart_at_512_mb() -> None:
    line = pricing.snapstart(512, 24, 100_000, 50, 1_000, X86, restore_billed_ms=120)
    gb = 0.5
    cache = gb * 24 * 3600 * 0.0000015046
    restore = 1_000 * gb * 0.0001397998 + 1_000 * 0.120 * gb * X86.duration_per_gb_second
    duration = 100_000 * 0.050 * gb * X86.duration_per_gb_second
    assert line.snapstart_cache == pytest.approx(cache)
    assert line.snapstart_restore == pytest.approx(restore)
    assert line.duration == pytest.approx(duration)
    assert line.init == 0.0  # the snapshot replaces INIT
    assert line.total == pytest.approx(100_000 * 0.2e-6 + duration + cache + restore)
    two = pricing.snapstart(512, 1, 0, 0, 0, X86, cached_versions=2)
    assert two.snapstart_cache == pytest.approx(2 * gb * 3 * 3600 * 0.0000015046)  # at least 3 hours


@pytest.mark.parametrize("missing", ["snapstart_cache_per_gb_second", "snapstart_restore_per_gb"])
def test_snapstart_needs_both_prices(missing: str) -> None:
    with pytest.raises(pricing.PriceError, match="SnapStart"):
        pricing.snapstart(512, 24, 0, 0, 0, X86.with_none(missing))


@pytest.mark.parametrize("missing", ["pc_per_gb_second", "pc_duration_per_gb_second"])
def test_provisioned_needs_both_prices(missing: str) -> None:
    prices = X86.with_none(missing)
    with pytest.raises(pricing.PriceError, match="provisioned"):
        pricing.provisioned(512, 1, 24, 0, 0, prices)
    assert pricing.break_even_utilization(prices) is None


def test_break_even_when_pc_duration_is_not_cheaper() -> None:
    assert pricing.break_even_utilization(X86.with_overrides(pc_duration_per_gb_second=X86.duration_per_gb_second)) == (
        float("inf")
    )


def test_zero_capacity_and_zero_hours() -> None:
    assert pricing.utilization(512, 0, 24, 1_000, 100) == 0.0
    assert pricing.utilization(1024, 1, 1, 36_000, 100) == pytest.approx(1.0)
    assert pricing.per_day(10.0, 0) == 0.0
    assert pricing.per_day(10.0, 12) == pytest.approx(20.0)


def test_flagged_prices_name_what_is_not_published() -> None:
    assert ARM.flagged(("pc_per_gb_second",))[0].startswith("pc_per_gb_second: derived")
    assert X86.flagged(("duration_per_gb_second", "request_per_million")) == []


# ---------------------------------------------------------------- cold starts: none / provisioned / snapstart


def test_snapstart_break_even_is_where_cache_equals_savings() -> None:
    # A restore costs 0.0001397998 per GB, as much as 8.39 s of INIT at 0.0000166667 per GB-s: only a
    # slower INIT saves money. 20 s at 4 GB does; the cache then pays off above N cold starts a day.
    w = pricing.Workload(4096, 0, 0, 24, init_ms=20_000)
    result = cold_start_cost.compare(w, X86, concurrency=0, restore_ms=300, billed_restore_ms=0)
    n = result["break_even"]["snapstart_cold_starts_per_day"]
    saving = 20 * 4 * X86.duration_per_gb_second - 4 * 0.0001397998
    assert n == pytest.approx(4 * 86_400 * 0.0000015046 / saving)
    # a Python-sized INIT (440 ms at 512 MB) never does
    w = pricing.Workload(512, 0, 0, 24, init_ms=440)
    assert (
        cold_start_cost.compare(w, X86, concurrency=0, restore_ms=None, billed_restore_ms=0)["break_even"][
            "snapstart_cold_starts_per_day"
        ]
        is None
    )


def test_cold_start_rate_must_be_a_share() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        cold_start_cost.workload_with_cold_starts(pricing.Workload(512, 100), 1.5)
    assert cold_start_cost.workload_with_cold_starts(pricing.Workload(512, 1000), 0.015).cold_starts == 15


def test_from_report_compares_the_four_strategies(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from lambda_kit.tools import output
    from tests.tools.stubbed_cold_start import run_stubbed

    report = tmp_path / "cold.json"
    report.write_text(output.dumps(run_stubbed()))
    measured = cold_start_cost.read_cold_start_report(report)
    assert (measured.memory_mb, measured.architecture) == (512, "arm64")
    assert measured.init_ms == pytest.approx(440.2)  # median of the five forced cold starts
    assert measured.avg_duration_ms == pytest.approx(5.4)  # mean billed ms of the warm ones
    argv = ["--from-report", str(report), "--invocations", "2000000", "--cold-start-rate", "0.02"]
    argv += ["--provisioned-concurrency", "1", "--region", "us-east-1", "--architecture", "x86_64", "--json"]
    assert run(cost.main, argv) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["strategy"]: r for r in data["cold_starts"]["rows"]}
    assert set(rows) == {"none", "provisioned", "snapstart", "managed-instances"}
    assert rows["none"]["cold_starts"] == 40_000
    # No cold start on the request path; the same total as its line, and its break-evens at the measured duration.
    (lmi_line,) = [line for line in data["lines"] if line["strategy"] == "managed-instances"]
    assert (rows["managed-instances"]["cold_starts"], rows["managed-instances"]["total"]) == (0, lmi_line["total"])
    at_measured = [row for row in data["managed_instances"]["break_even"] if row["duration_ms"] == pytest.approx(5.4)]
    assert {row["strategy"] for row in at_measured} == {"on-demand", "provisioned", "snapstart"}
    assert rows["none"]["cold_start_cost"] == pytest.approx(40_000 * 0.4402 * 0.5 * X86.duration_per_gb_second)
    assert rows["provisioned"]["cold_starts"] == 0  # 12.5 % utilized: every request on a provisioned environment
    assert data["cold_starts"]["break_even"]["snapstart_cold_starts_per_day"] is None


def test_a_file_that_is_not_a_cold_start_report_is_refused(tmp_path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"lines": []}')
    with pytest.raises(ValueError, match=r"not a tools\.cold_start --json report"):
        cold_start_cost.read_cold_start_report(bad)
    bad.write_text("{")
    with pytest.raises(ValueError, match="not JSON"):
        cold_start_cost.read_cold_start_report(bad)


def test_provisioned_break_even_rate_is_where_none_costs_as_much() -> None:
    w = pricing.Workload(512, 2_000_000, 5.4, 24, init_ms=440.2)
    rate = cold_start_cost.compare(w, X86, concurrency=1, restore_ms=None, billed_restore_ms=0)["break_even"][
        "provisioned_cold_start_rate"
    ]
    assert 0 < rate < 1
    pc = pricing.provisioned(512, 1, 24, 2_000_000, 5.4, X86)
    none = pricing.on_demand(512, 2_000_000, 5.4, X86, hours=24, cold_starts=2_000_000 * rate, init_ms=440.2)
    assert none.total == pytest.approx(pc.total)


def test_higher_tiers_are_flagged_when_a_derived_tier_price_is_used(capsys: pytest.CaptureFixture[str]) -> None:
    small = pricing.Workload(1024, 1_000, 100, 24)
    big = pricing.Workload(10_240, 10_000_000_000, 1000, pricing.HOURS_PER_MONTH)
    assert not pricing.higher_tiers_used(small, ARM)
    assert pricing.higher_tiers_used(big, ARM)
    assert pricing.higher_tiers_used(replace_account(small, 7.5e9), ARM)
    argv = ["--memory", "10240", "--hours", "730", "--invocations", "10000000000", "--avg-duration-ms", "1000"]
    assert run(cost.main, [*argv, "--region", "us-east-1", "--architecture", "arm64", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any(f.startswith("duration_tiers: derived") for f in data["flagged_prices"])


def replace_account(w: pricing.Workload, used: float) -> pricing.Workload:
    from dataclasses import replace

    return replace(w, account_month_gb_seconds=used)


def test_cli_free_tier_and_storage(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--memory", "1024", "--hours", "730", "--invocations", "1000000", "--avg-duration-ms", "100"]
    argv += ["--region", "us-east-1", "--architecture", "x86_64", "--strategy", "on-demand", "--json"]
    assert run(cost.main, [*argv, "--free-tier", "--ephemeral-storage-mb", "1536"]) == 0
    line = json.loads(capsys.readouterr().out)["lines"][0]
    assert line["requests"] == 0.0 and line["duration"] == 0.0  # 1 M requests, 100,000 GB-s: all free
    assert line["ephemeral"] == pytest.approx(1.0 * 100_000 * 0.0000000309)


def test_unknown_price_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown price field"):
        X86.with_overrides(cheapest=1.0)
    with pytest.raises(ValueError, match="unknown price field"):
        X86.with_none("cheapest")


def test_memory_bounds_are_accepted_and_just_outside_refused() -> None:
    assert pricing.validate_memory(128) == 128 and pricing.validate_memory(10_240) == 10_240
    for bad in (127, 10_241):
        with pytest.raises(ValueError, match="128"):
            pricing.validate_memory(bad)


def test_exactly_the_first_tier_is_not_a_higher_tier() -> None:
    # 6e9 one-second invocations at 1 GB in a 730-hour month: exactly 6 B GB-s
    at_bound = pricing.Workload(1024, 6e9, 1000, MONTH)
    assert not pricing.higher_tiers_used(at_bound, X86)
    assert pricing.higher_tiers_used(pricing.Workload(1024, 6e9 + 1, 1000, MONTH), X86)
    # billed INIT counts towards the tiers too
    assert pricing.higher_tiers_used(pricing.Workload(1024, 6e9, 1000, MONTH, cold_starts=1, init_ms=500), X86)


def test_provisioned_within_capacity_says_nothing_about_spill_over() -> None:
    within = pricing.provisioned(1024, 1, 1, 36_000, 100, X86)  # exactly the capacity
    assert within.notes == () and within.init == 0.0
    over = pricing.provisioned(1024, 1, 1, 36_001, 100, X86)
    assert "above the provisioned capacity" in over.notes[0]


# ---------------------------------------------------------------- what each line carries


def test_every_line_names_its_strategy_and_its_dict_carries_total_and_per_day() -> None:
    lines = [
        pricing.on_demand(1024, 10_000_000, 100, X86, free_tier=True),
        pricing.provisioned(1024, 1, 12, 1_000, 100, X86),
        pricing.snapstart(1024, 12, 1_000, 100, 10, X86),
    ]
    assert [line.strategy for line in lines] == ["on-demand", "provisioned", "snapstart"]
    for line in lines:
        d = line.to_dict(hours=12)
        assert d["total"] == line.total > 0
        assert d["per_day"] == pytest.approx(2 * line.total)  # 12 hours: a day is twice the period
        assert d["notes"] == list(line.notes)
    assert pricing.per_day(10.0, 0.5) == pytest.approx(480.0)  # periods shorter than an hour too
    assert lines[0].notes[0] == (
        "free tier applied: 32,877 requests and 13,151 GB-s for 24 h "
        "(shared by the whole account, so only if nothing else uses it; not for provisioned concurrency)"
    )


def test_the_accounts_other_use_is_in_the_on_demand_bill_and_its_note() -> None:
    # 1,000 GB-s this month after 5,999,999,500 by other functions: half in tier 1, half in tier 2
    line = pricing.on_demand(1024, 10_000, 100, X86, hours=MONTH, account_month_gb_seconds=6e9 - 500)
    assert line.duration == pytest.approx(500 * 0.0000166667 + 500 * 0.000015)
    assert line.notes == (
        "duration tiers on a monthly total of 1,000 GB-s after 5,999,999,500 GB-s used by the account's other "
        "functions: tier 1 (500 GB-s at 0.0000166667) + tier 2 (500 GB-s at 0.0000150000)",
    )
    # without other use, no "after ..."; and less than one GB-s is still billed
    small, note = pricing.tiered_cost(0.5, MONTH, X86)
    assert small == pytest.approx(0.5 * 0.0000166667)
    assert note == "duration tiers on a monthly total of 0 GB-s: tier 1 (0 GB-s at 0.0000166667)"
    assert pricing.tiered_month(0.5, X86) == [pricing.TierUse(1, 0.5, 0.0000166667)]


def test_no_execution_time_bills_no_storage_even_without_a_storage_price() -> None:
    tokyo = pricing.get_prices("ap-northeast-1", "x86_64")
    assert tokyo.ephemeral_per_gb_second is None
    assert pricing.ephemeral_cost(1024, 0, tokyo) == 0.0


def test_snapstart_bills_its_on_demand_part_like_on_demand_without_init() -> None:
    # 10 M x 100 ms at 1 GB = 1,000,000 GB-s in a month, 1,000 restores; an INIT time given is not billed
    more = {"free_tier": True, "storage_mb": 1536}
    ss = pricing.snapstart(1024, MONTH, 10_000_000, 100, 1_000, X86, init_ms=500, **more)
    od = pricing.on_demand(1024, 10_000_000, 100, X86, hours=MONTH, **more)
    assert ss.requests == pytest.approx(od.requests) and ss.requests == pytest.approx(9_000_000 * 0.2e-6)
    assert ss.duration == pytest.approx(od.duration) and ss.duration == pytest.approx(600_000 * 0.0000166667)
    assert ss.ephemeral == pytest.approx(od.ephemeral) and ss.ephemeral == pytest.approx(1_000_000 * 0.0000000309)
    assert ss.notes == od.notes and len(ss.notes) == 2  # the free tier and the tiers


def test_provisioned_storage_idle_cold_starts_and_a_tiered_spill_over() -> None:
    with_storage = pricing.provisioned(1024, 1, 1, 36_000, 100, X86, storage_mb=1536)
    assert with_storage.ephemeral == pytest.approx(1 * 3_600 * 0.0000000309)
    # no traffic: the environments' INIT is inside the PC charge, nothing spills
    idle = pricing.provisioned(1024, 1, 1, 0, 0, X86, cold_starts=10, init_ms=1_000)
    assert (idle.init, idle.duration, idle.notes) == (0.0, 0.0, ())
    # 100 M GB-s in one hour, 36,000 of them on the environment: the rest is tiered on its monthly rate
    big = pricing.provisioned(10_240, 1, 1, 1_000_000, 10_000, X86)
    spill, _ = pricing.tiered_cost(100e6 - 36_000, 1, X86)
    assert X86.pc_duration_per_gb_second is not None
    assert big.duration == pytest.approx(36_000 * X86.pc_duration_per_gb_second + spill)


# ---------------------------------------------------------------- the price data file


def test_a_minimal_data_entry_reads_with_empty_defaults_and_nothing_flagged(tmp_path) -> None:
    # hand-written: an entry with only the prices (no source, date, status or tiers)
    entry = {"request_per_million": 0.2, "duration_per_gb_second": 0.00001, "pc_per_gb_second": 0.000004}
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"prices": {"xx-test-1": {"x86_64": entry}}}))
    prices = pricing.get_prices("xx-test-1", "x86_64", path)
    assert (prices.region, prices.architecture, prices.source, prices.as_of) == ("xx-test-1", "x86_64", "", "")
    assert prices.status == {} and prices.duration_tiers == () and prices.tiers == ((None, 0.00001),)
    assert prices.flagged() == []  # no status: a published price
    assert prices.snapstart_restore_per_gb is None
    with pytest.raises(pricing.PriceError) as no_arm:
        pricing.get_prices("xx-test-1", "arm64", path)
    assert str(no_arm.value) == "no arm64 prices for xx-test-1 in prices.json"


def test_unknown_regions_and_architectures_are_named_with_what_is_known() -> None:
    with pytest.raises(pricing.PriceError) as arch:
        pricing.get_prices("us-east-1", "x86")
    assert str(arch.value) == "unknown architecture 'x86'; expected one of ('x86_64', 'arm64')"
    with pytest.raises(pricing.PriceError) as region:
        pricing.get_prices("mars-1", "arm64")
    known = ", ".join(pricing.available_regions())
    assert str(region.value) == (
        f"no Lambda prices for region 'mars-1' in lambda_prices.json (known: {known}); "
        "add it to the data file with its source and date"
    )


def test_an_overridden_duration_price_replaces_the_published_tiers() -> None:
    assert X86.with_overrides(duration_per_gb_second=0.00001).to_dict()["duration_tiers"] == ((None, 0.00001),)


# ---------------------------------------------------------------- the three cold-start strategies, row by row


def test_compare_prices_each_strategy_with_the_whole_workload() -> None:
    # 72,000 x 100 ms at 1 GB in one hour = 7,200 GB-s on one environment of 3,600: 200 % utilized, half spills
    w = pricing.Workload(1024, 72_000, 100, 1, cold_starts=100, init_ms=500, storage_mb=1536)
    result = cold_start_cost.compare(w, X86, concurrency=1, restore_ms=210.0, billed_restore_ms=120, cached_versions=2)
    none = pricing.on_demand_for(w, X86)
    pc = pricing.provisioned(1024, 1, 1, 72_000, 100, X86, cold_starts=100, init_ms=500, storage_mb=1536)
    ss = pricing.snapstart(1024, 1, 72_000, 100, 100, X86, 2, 120, init_ms=500, storage_mb=1536)
    assert pc.ephemeral > 0 and ss.ephemeral > 0 and ss.snapstart_restore > 0
    Row = cold_start_cost.StrategyRow
    assert result["rows"] == [
        Row(
            "none", 100, 500, none.init, none.total, 24 * none.total,
            "INIT billed as duration (on-demand, managed runtime, ZIP; since 2025-08-01)",
        ),
        Row(
            "provisioned", 50, 500, pc.init, pc.total, 24 * pc.total,
            "1 environment(s), 200.0% utilized; their INIT is inside the PC charge",
        ),
        Row(
            "snapstart", 100, 210.0, ss.snapstart_cache + ss.snapstart_restore, ss.total, 24 * ss.total,
            "restores instead of INIT; snapshot cache billed",
        ),
    ]  # fmt: skip
    base = pricing.on_demand(1024, 72_000, 100, X86, hours=1, storage_mb=1536).total
    one_init = 0.5 * X86.duration_per_gb_second
    assert result["break_even"] == {
        "provisioned_utilization": pricing.break_even_utilization(X86),
        "provisioned_cold_start_rate": pytest.approx((pc.total - base) / (72_000 * one_init)),
        "snapstart_cold_starts_per_day": None,  # a 500 ms INIT costs less than a restore
    }


def test_compare_within_capacity_without_init_or_a_measured_restore() -> None:
    w = pricing.Workload(1024, 1_000, 100, 24, cold_starts=10)
    result = cold_start_cost.compare(w, X86, concurrency=1, restore_ms=None, billed_restore_ms=0)
    none, pc, ss = result["rows"]
    assert none.latency_ms is None  # no INIT time given
    assert (pc.cold_starts, pc.latency_ms) == (0, None)  # every request on a provisioned environment
    assert pc.note == "1 environment(s), 0.1% utilized; their INIT is inside the PC charge"
    assert ss.note == "restores instead of INIT; snapshot cache billed; Restore Duration not measured"
    # a price list without one SnapStart price has no SnapStart row
    partial = cold_start_cost.compare(
        w, X86.with_none("snapstart_restore_per_gb"), concurrency=1, restore_ms=None, billed_restore_ms=0
    )
    assert [r.strategy for r in partial["rows"]] == ["none", "provisioned"]
    assert set(partial["break_even"]) == {"provisioned_utilization", "provisioned_cold_start_rate"}


def test_a_snapstart_measurement_without_warm_or_cold_groups(tmp_path) -> None:
    # hand-written in the shape of `python -m tools.cold_start --json` for a SnapStart alias: only restores,
    # one sample whose report was lost, and a group that has no samples at all
    def sample(billed: float, restore: float, billed_restore: float) -> dict[str, object]:
        return {
            "report": {
                "billed_duration_ms": billed,
                "restore_duration_ms": restore,
                "billed_restore_duration_ms": billed_restore,
            }
        }

    data = {
        "function": {"memory_mb": 1024, "architecture": "x86_64"},
        "groups": {
            "production restores": {"samples": [sample(130, 250.0, 110), {"report": None}, sample(120, 200.0, 100)]},
            "empty": {},
        },
    }
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(data))
    assert cold_start_cost.read_cold_start_report(path) == cold_start_cost.Measured(
        memory_mb=1024,
        architecture="x86_64",
        avg_duration_ms=125.0,  # no warm group: the mean billed duration of every report
        init_ms=None,
        restore_ms=200.0,  # nearest-rank median of two: the lower
        billed_restore_ms=100,
        source=str(path),
    )
    path.write_text(json.dumps({"groups": {}}))
    with pytest.raises(ValueError, match=r"not a tools\.cold_start --json report"):
        cold_start_cost.read_cold_start_report(path)


def test_break_even_rates_at_their_bounds() -> None:
    assert cold_start_cost.workload_with_cold_starts(pricing.Workload(512, 1000), 1).cold_starts == 1000
    # one invocation with a 1 ms INIT still has a PC break-even; none without an INIT or without traffic
    rate = cold_start_cost._pc_break_even_rate
    assert rate(pricing.Workload(1024, 1, 100, 24, init_ms=1), X86, 1.0) is not None
    assert rate(pricing.Workload(1024, 0, 100, 24, init_ms=500), X86, 1.0) is None
    assert rate(pricing.Workload(1024, 1_000, 100, 24, init_ms=0), X86, 1.0) is None
    # the billed restore time counts against SnapStart: 20 s of INIT at 4 GB vs a restore billed 1 s
    w = pricing.Workload(4096, 0, 0, 24, init_ms=20_000)
    n = cold_start_cost._snapstart_break_even(w, X86, 1_000, 1)
    saving = 20 * 4 * X86.duration_per_gb_second - (4 * 0.0001397998 + 1 * 4 * X86.duration_per_gb_second)
    assert n == pytest.approx(4 * 86_400 * 0.0000015046 / saving)
