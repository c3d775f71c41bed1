"""Cost numbers against hand-computed values (the seed's $1.93 among them) and the CLI output."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from lambda_kit.tools import cost, pricing
from lambda_kit.tools.aws import run

TOKYO_X86 = ("ap-northeast-1", "x86_64")
SEED_ARGS = [
    "--memory",
    "512",
    "--provisioned-concurrency",
    "10",
    "--hours",
    "24",
    "--region",
    "ap-northeast-1",
    "--architecture",
    "x86_64",
]


def test_price_file_has_source_date_and_status_for_every_entry() -> None:
    for region in pricing.available_regions():
        for arch in pricing.ARCHITECTURES:
            p = pricing.get_prices(region, arch)
            assert p.source and p.as_of
            for key in pricing.PRICE_FIELDS:
                value = getattr(p, key)
                assert key in p.status, (region, arch, key)
                if value is None:
                    assert p.status[key].startswith("null")
            # arm64 PC prices are not published numbers here: they must say so.
            if arch == "arm64":
                assert p.status["pc_per_gb_second"].startswith("derived")


def test_published_tokyo_prices() -> None:
    p = pricing.get_prices(*TOKYO_X86)
    assert p.pc_per_gb_second == 0.0000053835
    assert p.pc_duration_per_gb_second == 0.0000125615
    assert p.duration_per_gb_second == 0.0000166667
    assert p.request_per_million == 0.20


def test_seed_example_is_1_93_per_day_with_the_seeds_price() -> None:
    p = pricing.get_prices(*TOKYO_X86).with_overrides(pc_per_gb_second=0.000004463)
    line = pricing.provisioned(512, 10, 24, 0, 0, p)
    # 10 environments x 0.5 GB x 86,400 s = 432,000 GB-s; x $0.000004463 = $1.928016
    assert pricing.pc_capacity_gb_seconds(512, 10, 24) == 432_000
    assert line.provisioned == pytest.approx(1.928016)
    assert f"{line.total:.2f}" == "1.93"


def test_seed_example_is_2_33_per_day_at_the_published_price() -> None:
    line = pricing.provisioned(512, 10, 24, 0, 0, pricing.get_prices(*TOKYO_X86))
    assert line.provisioned == pytest.approx(432_000 * 0.0000053835)  # 2.325672
    assert f"{line.total:.2f}" == "2.33"


def test_on_demand_hand_computed() -> None:
    p = pricing.get_prices("us-east-1", "x86_64")
    # 1M invocations x 100 ms x 1 GB = 100,000 GB-s x 0.0000166667 = 1.66667; requests $0.20
    line = pricing.on_demand(1024, 1_000_000, 100, p)
    assert line.duration == pytest.approx(1.66667)
    assert line.requests == pytest.approx(0.20)
    assert line.total == pytest.approx(1.86667)


def test_arm_on_demand_is_cheaper() -> None:
    line = pricing.on_demand(1024, 1_000_000, 100, pricing.get_prices("us-east-1", "arm64"))
    assert line.duration == pytest.approx(1.33334)


def test_provisioned_with_traffic_and_spill_over() -> None:
    p = pricing.get_prices("us-east-1", "x86_64")
    # capacity: 1 x 1 GB x 1 h = 3,600 GB-s. Traffic: 50,000 x 100 ms x 1 GB = 5,000 GB-s -> 1,400 spill.
    line = pricing.provisioned(1024, 1, 1, 50_000, 100, p)
    assert line.provisioned == pytest.approx(3600 * 0.0000041667)
    assert line.duration == pytest.approx(3600 * 0.0000097222 + 1400 * 0.0000166667)
    assert line.requests == pytest.approx(0.01)
    assert line.notes and "1,400 GB-s" in line.notes[0]


def test_break_even_utilization() -> None:
    # us-east-1 x86: 0.0000041667 / (0.0000166667 - 0.0000097222) = 0.6000 (AWS's "60 %" rule of thumb)
    assert pricing.break_even_utilization(pricing.get_prices("us-east-1", "x86_64")) == pytest.approx(0.6, abs=1e-4)
    # Tokyo x86: 0.0000053835 / 0.0000041052 = 1.311: PC never cheaper than on-demand there
    tokyo = pricing.break_even_utilization(pricing.get_prices(*TOKYO_X86))
    assert tokyo == pytest.approx(1.3114, abs=1e-4)


def test_break_even_is_where_costs_cross() -> None:
    p = pricing.get_prices("us-east-1", "x86_64")
    u = pricing.break_even_utilization(p)
    assert u is not None
    hours, memory, conc, dur_ms = 1, 1024, 1, 100
    capacity = pricing.pc_capacity_gb_seconds(memory, conc, hours)
    invocations = u * capacity / (dur_ms / 1000 * pricing.gb(memory))
    pc = pricing.provisioned(memory, conc, hours, invocations, dur_ms, p)
    od = pricing.on_demand(memory, invocations, dur_ms, p)
    assert pc.total == pytest.approx(od.total, rel=1e-9)


def test_snapstart_cache_and_restore() -> None:
    p = pricing.get_prices("us-east-1", "x86_64")
    line = pricing.snapstart(1024, 24, 0, 0, 1000, p)
    assert line.snapstart_cache == pytest.approx(86_400 * 0.0000015046)
    assert line.snapstart_restore == pytest.approx(1000 * 0.0001397998)
    # the cache is billed for at least 3 hours
    assert pricing.snapstart(1024, 1, 0, 0, 0, p).snapstart_cache == pytest.approx(3 * 3600 * 0.0000015046)
    with pytest.raises(pricing.PriceError):
        pricing.snapstart(1024, 24, 0, 0, 0, pricing.get_prices(*TOKYO_X86))


@pytest.mark.parametrize(
    ("memory", "share", "vcpus"),
    [(128, 128 / 1769, 1), (1769, 1.0, 1), (1770, 1770 / 1769, 2), (3538, 2.0, 2), (10240, 10240 / 1769, 6)],
)
def test_memory_to_vcpu(memory: int, share: float, vcpus: int) -> None:
    assert pricing.vcpu_share(memory) == pytest.approx(share)
    assert pricing.vcpu_count(memory) == vcpus


def test_cost_per_invocation() -> None:
    p = pricing.get_prices("us-east-1", "arm64")
    assert pricing.cost_per_invocation(100, 1024, p) == pytest.approx(0.1 * 0.0000133334 + 0.2e-6)
    assert pricing.cost_per_invocation(100, 1024, p, include_request=False) == pytest.approx(0.1 * 0.0000133334)


def test_unknown_region_and_memory_are_refused() -> None:
    with pytest.raises(pricing.PriceError, match="eu-west-9"):
        pricing.get_prices("eu-west-9", "x86_64")
    with pytest.raises(ValueError):
        pricing.validate_memory(64)


# ---------------------------------------------------------------- CLI


def test_cli_seed_example_prints_1_93_per_day(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(cost.main, [*SEED_ARGS, "--pc-price-per-gb-second", "0.000004463"]) == 0
    out = capsys.readouterr().out
    assert "$1.93 per day" in out
    assert "432,000 GB-s x $0.000004463" in out
    assert "$2.33 per day" in out  # the note on the published price


def test_cli_without_override_uses_the_published_price(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(cost.main, SEED_ARGS) == 0
    out = capsys.readouterr().out
    assert "$2.33 per day" in out and "$1.93" not in out
    assert "$0.0000053835/GB-s [published]" in out
    assert "PC never beats on-demand" in out


@pytest.mark.parametrize(
    ("flag", "price"),
    [
        ("--pc-price-per-gb-second", "pc_per_gb_second"),
        ("--pc-duration-price-per-gb-second", "pc_duration_per_gb_second"),
        ("--duration-price-per-gb-second", "duration_per_gb_second"),
        ("--request-price-per-million", "request_per_million"),
        ("--snapstart-cache-price", "snapstart_cache_per_gb_second"),
        ("--snapstart-restore-price", "snapstart_restore_per_gb"),
        ("--ephemeral-price", "ephemeral_per_gb_second"),
    ],
)
def test_each_price_flag_overrides_its_price_only(flag: str, price: str, capsys: pytest.CaptureFixture[str]) -> None:
    published = pricing.get_prices("us-east-1", "arm64").to_dict()
    assert run(cost.main, ["--memory", "512", "--region", "us-east-1", "--json", flag, "0.125"]) == 0
    used = json.loads(capsys.readouterr().out)["prices"]
    assert used[price] == 0.125 and used["status"][price] == "override (command line)"
    changed = {k for k in pricing.PRICE_FIELDS if used[k] != published[k]}
    assert changed == {price}


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(cost.main, [*SEED_ARGS, "--json", "--invocations", "100000", "--avg-duration-ms", "50"]) == 0
    data = json.loads(capsys.readouterr().out)
    pc_line = next(line for line in data["lines"] if line["strategy"] == "provisioned")
    assert pc_line["provisioned"] == pytest.approx(2.325672)
    assert data["provisioned_concurrency"]["break_even_utilization"] == pytest.approx(1.3114, abs=1e-4)
    assert data["provisioned_concurrency"]["pc_never_cheaper"] is True
    assert data["memory"]["vcpus"] == 1
    assert math.isclose(data["provisioned_concurrency"]["utilization"], 100_000 * 0.05 * 0.5 / 432_000)


def test_missing_price_data_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(cost.main, ["--memory", "512", "--region", "eu-west-9"]) == 1
    assert "no Lambda prices for region 'eu-west-9'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--memory", "512", "--invocations", "10", "--region", "us-east-1"], "--avg-duration-ms"),
        (["--memory", "64", "--region", "us-east-1"], "128..10240"),
        (["--memory", "512", "--hours", "0", "--region", "us-east-1"], "--hours must be > 0"),
        (["--memory", "512", "--architecture", "sparc"], "invalid choice"),
        (["--region", "us-east-1"], "--memory is required"),
        (["--memory", "512", "--ephemeral-storage-mb", "100", "--region", "us-east-1"], "512..10240"),
        (["--memory", "512", "--cold-start-rate", "0.1", "--region", "us-east-1"], "needs --init-ms"),
        (["--memory", "512", "--from-report", "/nonexistent.json"], "cannot read"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        run(cost.main, argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


# ---------------------------------------------------------------- calculate(): defaults and guards


US_X86 = pricing.get_prices("us-east-1", "x86_64")


def strategies(result: dict[str, Any]) -> list[str]:
    return [line["strategy"] for line in result["lines"]]


def test_defaults_a_day_on_demand_and_snapstart_with_one_percent_restores() -> None:
    r = cost.calculate(memory=512, prices=US_X86, invocations=150, avg_duration_ms=10)
    assert r["inputs"]["hours"] == 24 and r["inputs"]["ephemeral_storage_mb"] == 512
    assert r["inputs"]["account_gb_seconds"] == 0
    assert strategies(r) == ["on-demand", "snapstart"]  # no PC line without PC
    snap = r["lines"][1]
    assert snap["snapstart_restore"] == pytest.approx(2 * 0.5 * 0.0001397998)  # ceil(150 x 1 %) = 2 restores
    assert snap["snapstart_cache"] == pytest.approx(1 * 0.5 * 24 * 3600 * 0.0000015046)  # one cached version
    assert r["cold_starts"] is None  # no --init-ms: no cold-start comparison
    assert any(f.startswith("snapstart_cache_per_gb_second") for f in r["flagged_prices"])
    assert not any(f.startswith("ephemeral") for f in r["flagged_prices"])


def test_flags_follow_the_prices_used() -> None:
    on_demand = cost.calculate(memory=512, prices=US_X86, strategy="on-demand")
    assert on_demand["flagged_prices"] == []
    storage = cost.calculate(memory=512, prices=US_X86, strategy="on-demand", ephemeral_storage_mb=513)
    assert [f.split(":")[0] for f in storage["flagged_prices"]] == ["ephemeral_per_gb_second"]


@pytest.mark.parametrize(
    "bad",
    [{"invocations": -1}, {"provisioned_concurrency": -1}, {"account_gb_seconds": -1}, {"hours": -1}],
)
def test_negative_inputs_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        cost.calculate(memory=512, prices=US_X86, avg_duration_ms=1, **bad)


def test_provisioned_strategy_needs_environments() -> None:
    with pytest.raises(ValueError, match="needs --provisioned-concurrency"):
        cost.calculate(memory=512, prices=US_X86, strategy="provisioned")
    r = cost.calculate(memory=512, prices=US_X86, strategy="provisioned", provisioned_concurrency=1)
    assert strategies(r) == ["provisioned"]
    assert r["provisioned_concurrency"]["charge_per_day"] == pytest.approx(0.5 * 86_400 * 0.0000041667)


def test_pc_never_cheaper_from_a_break_even_of_exactly_one() -> None:
    exactly_one = US_X86.with_overrides(pc_per_gb_second=US_X86.duration_per_gb_second - 0.0000097222)
    assert pricing.break_even_utilization(exactly_one) == pytest.approx(1.0)
    assert cost.calculate(memory=512, prices=exactly_one)["provisioned_concurrency"]["pc_never_cheaper"] is True
    no_pc = US_X86.with_none("pc_per_gb_second")
    assert cost.calculate(memory=512, prices=no_pc)["provisioned_concurrency"]["pc_never_cheaper"] is False


def test_the_cold_start_rate_and_init_go_into_the_on_demand_line() -> None:
    r = cost.calculate(
        memory=1024, prices=US_X86, invocations=1000, avg_duration_ms=100, cold_start_rate=0.1, init_ms=500
    )
    line = r["lines"][0]
    assert line["init"] == pytest.approx(100 * 0.5 * US_X86.duration_per_gb_second)  # 100 cold starts x 0.5 GB-s
    assert [row["strategy"] for row in r["cold_starts"]["rows"]] == ["none", "snapstart"]


def test_cli_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--memory", "512", "--invocations", "300", "--avg-duration-ms", "10", "--region", "us-east-1"]
    assert run(cost.main, [*argv, "--architecture", "x86_64", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    i = data["inputs"]
    assert (i["hours"], i["provisioned_concurrency"], i["account_gb_seconds"], i["billed_restore_ms"]) == (24, 0, 0, 0)
    assert (i["ephemeral_storage_mb"], i["free_tier"], i["cold_start_rate"]) == (512, False, None)
    snap = next(line for line in data["lines"] if line["strategy"] == "snapstart")
    assert snap["snapstart_restore"] == pytest.approx(3 * 0.5 * 0.0001397998)  # ceil(300 x 1 %), no billed restore
    assert run(cost.main, ["--memory", "512", "--region", "us-east-1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["inputs"]["architecture"] == "arm64"  # the stack's default


def test_an_hour_is_a_valid_period_and_overrides_without_pc_say_nothing() -> None:
    overridden = US_X86.with_overrides(pc_per_gb_second=0.000001)
    r = cost.calculate(memory=512, prices=overridden, hours=1, reference_prices=US_X86)
    assert r["inputs"]["hours"] == 1
    assert not any("PC price overridden" in n for n in r["notes"])
    assert "reference_charge_per_day" not in r["provisioned_concurrency"]
    with_pc = cost.calculate(memory=512, prices=overridden, provisioned_concurrency=1, reference_prices=US_X86)
    assert any("PC price overridden" in n for n in with_pc["notes"])


def test_pc_without_a_pc_price_when_only_on_demand_is_asked() -> None:
    r = cost.calculate(
        memory=512, prices=US_X86.with_none("pc_per_gb_second"), strategy="on-demand", provisioned_concurrency=1
    )
    assert r["provisioned_concurrency"]["charge"] is None
    assert r["provisioned_concurrency"]["charge_per_day"] == 0.0


# ---------------------------------------------------------------- calculate(): what --json says, word for word


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"hours": 0}, "--hours must be > 0"),
        ({"invocations": -1}, "--invocations, --provisioned-concurrency and --account-gb-seconds must be >= 0"),
        ({"invocations": 10}, "--avg-duration-ms is needed with --invocations (or --from-report)"),
        ({"cold_start_rate": 0.1}, "--cold-start-rate needs --init-ms (or --from-report with a cold start in it)"),
        ({"strategy": "provisioned"}, "--strategy provisioned needs --provisioned-concurrency N > 0"),
        (
            {"strategy": "snapstart", "prices": US_X86.with_none("snapstart_cache_per_gb_second")},
            "SnapStart not priced: no SnapStart price for us-east-1/x86_64 in the data file; "
            "pass --snapstart-cache-price and --snapstart-restore-price",
        ),
    ],
)
def test_calculate_refuses_with_the_exact_reason(args: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as refused:
        cost.calculate(**{"memory": 512, "prices": US_X86, **args})
    assert str(refused.value) == message


def test_calculate_reports_its_inputs_memory_and_notes() -> None:
    r = cost.calculate(
        memory=1024,
        prices=US_X86,
        provisioned_concurrency=1,
        hours=12,
        invocations=1000,
        avg_duration_ms=100,
        cold_start_rate=0.1,
        init_ms=500,
        restore_ms=200,
        billed_restore_ms=50,
        snapstart_versions=2,
        ephemeral_storage_mb=1024,
        account_gb_seconds=5,
        source="cold.json",
    )
    assert r["inputs"] == {
        "memory_mb": 1024,
        "provisioned_concurrency": 1,
        "hours": 12,
        "invocations": 1000,
        "avg_duration_ms": 100,
        "cold_start_rate": 0.1,
        "init_ms": 500,
        "billed_restore_ms": 50,
        "ephemeral_storage_mb": 1024,
        "account_gb_seconds": 5,
        "free_tier": False,
        "region": "us-east-1",
        "architecture": "x86_64",
        "strategy": "all",
        "from_report": "cold.json",
    }
    assert r["memory"] == {
        "gb": 1.0,
        "vcpu_share": pytest.approx(1024 / 1769),
        "vcpus": 1,
        "rule": "AWS: CPU is proportional to memory, 1,769 MB = one vCPU's worth of CPU time; the function sees "
        "1 vCPU up to 1,769 MB, then one more per 1,769 MB, 6 at most (10,240 MB)",
    }
    # 100 restores (10 % of 1,000), 2 cached versions; 0.5 GB of storage above 512 MB for 100 s, on every line
    assert r["notes"] == [
        "SnapStart: 100 restores assumed, 2 cached version(s); it cannot be combined with provisioned concurrency"
    ]
    assert [line["ephemeral"] for line in r["lines"]] == [pytest.approx(0.5 * 100 * 0.0000000309)] * 3
    assert r["cold_starts"]["rows"][2]["latency_ms"] == 200
    # SnapStart: 2 versions cached 12 hours; 100 restores of 1 GB, each billed 50 ms; the same in the cold-start row
    snap = r["lines"][2]
    assert snap["snapstart_cache"] == pytest.approx(2 * 12 * 3600 * 0.0000015046)
    assert snap["snapstart_restore"] == pytest.approx(100 * 0.0001397998 + 100 * 0.05 * US_X86.duration_per_gb_second)
    assert r["cold_starts"]["rows"][2]["cold_start_cost"] == pytest.approx(
        snap["snapstart_cache"] + snap["snapstart_restore"]
    )
    assert "after 5 GB-s used by the account's other functions" in r["lines"][0]["notes"][0]
    given = cost.calculate(memory=512, prices=US_X86, invocations=1000, avg_duration_ms=10, snapstart_restores=7)
    assert given["notes"][0].startswith("SnapStart: 7 restores assumed, 1 cached version(s)")


def test_an_overridden_pc_price_is_compared_with_the_data_files() -> None:
    overridden = US_X86.with_overrides(pc_per_gb_second=0.000001)
    r = cost.calculate(memory=512, prices=overridden, provisioned_concurrency=1, reference_prices=US_X86)
    # 0.5 GB x 86,400 s x 0.0000041667 = $0.18 a day at the data file's price
    assert r["provisioned_concurrency"]["reference_charge_per_day"] == pytest.approx(0.5 * 86_400 * 0.0000041667)
    assert r["notes"][-1] == (
        "PC price overridden: $0.000001/GB-s replaces the data file's $0.0000041667/GB-s (published, 2026-11); "
        "at that price the PC charge is $0.18 per day"
    )


def test_without_environments_pc_info_is_only_the_break_even() -> None:
    info = cost.calculate(memory=512, prices=US_X86)["provisioned_concurrency"]
    assert set(info) == {"break_even_utilization", "pc_never_cheaper"}
    never = US_X86.with_overrides(pc_duration_per_gb_second=US_X86.duration_per_gb_second)
    assert cost.calculate(memory=512, prices=never)["provisioned_concurrency"] == {
        "break_even_utilization": None,  # PC duration is not cheaper: no break-even at all
        "pc_never_cheaper": True,
    }


def test_the_region_comes_from_the_flag_then_aws_region_then_aws_default_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import argparse

    args = argparse.Namespace(region=None, profile=None)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    assert cost._region(args) == cost.DEFAULT_REGION
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert cost._region(args) == "eu-west-1"
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    assert cost._region(args) == "us-west-2"
    assert cost._region(argparse.Namespace(region="ap-south-1", profile=None)) == "ap-south-1"
