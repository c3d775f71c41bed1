"""Lambda Managed Instances in the cost tool: AWS's own worked examples reproduced, the fleet and the break-evens
against hand-computed values, and what it refuses.

The golden examples are the LMI side of AWS's LMI pricing sample's test cases (aws-samples/sample-aws-lambda-managed-
instances @be01a7c, tools/pricing-calculator/tests/test-cases.json, "Basic Calculation" and "IO-Heavy Workload",
us-east-1, c7g.xlarge at $0.145/h, 730 hours, 1,000,000 requests; their instance counts come from the sample's own
capacity model, which we take as given with --lmi-instances)."""

from __future__ import annotations

import json
import math

import pytest

from lambda_kit.tools import cost, lmi_break_even, lmi_pricing, pricing
from lambda_kit.tools.aws import run

US_ARM = pricing.get_prices("us-east-1", "arm64")
C7G = lmi_pricing.get_lmi_prices("us-east-1", "c7g.xlarge")
SAMPLE = ["--region", "us-east-1", "--architecture", "arm64", "--hours", "730", "--invocations", "1000000"]
SAMPLE += ["--avg-duration-ms", "60000", "--memory", "512", "--strategy", "managed-instances"]
SAMPLE += ["--lmi-instance-type", "c7g.xlarge", "--lmi-interface-endpoints", "0", "--json"]


@pytest.mark.parametrize(
    ("case", "instances", "ec2", "fee", "total"),
    [
        ("Basic Calculation", 14, 1481.90, 222.285, 1704.385),
        ("IO-Heavy Workload", 8, 846.80, 127.02, 974.02),
    ],
)
def test_aws_pricing_samples_examples(
    capsys: pytest.CaptureFixture[str], case: str, instances: int, ec2: float, fee: float, total: float
) -> None:
    assert run(cost.main, [*SAMPLE, "--lmi-instances", str(instances)]) == 0
    (line,) = json.loads(capsys.readouterr().out)["lines"]
    assert line["strategy"] == "managed-instances", case
    assert line["instances"] == pytest.approx(ec2)  # instances x $0.145 x 730 h
    assert line["management_fee"] == pytest.approx(fee)  # 15 % of that
    assert line["requests"] == pytest.approx(0.20)
    assert (line["duration"], line["network"]) == (0.0, 0.0)
    assert line["total"] == pytest.approx(total)


def test_the_same_example_on_demand_is_priced_per_gb_second() -> None:
    # The sample's standard-Lambda side is $408.20: 1 M x 60 s at its rounded $0.0000000068 per ms for 512 MB arm64.
    # Per GB-second (the price file's published $0.0000133334) it is 30,000,000 GB-s x that + $0.20.
    line = pricing.on_demand(512, 1_000_000, 60_000, US_ARM, hours=730)
    assert line.total == pytest.approx(30_000_000 * 0.0000133334 + 0.20)


def test_a_savings_plan_discounts_the_ec2_part_only() -> None:
    w = pricing.Workload(2048, 0, 0, 730)
    config = lmi_pricing.LmiConfig(instances=3, interface_endpoints=0, ec2_discount=0.32)
    line, _ = lmi_pricing.managed_instances(w, US_ARM, C7G, config)
    assert line.instances == pytest.approx(3 * 0.145 * 730 * 0.68)
    assert line.management_fee == pytest.approx(3 * 0.145 * 730 * 0.15)  # on the on-demand price, undiscounted


def test_the_route_out_hours() -> None:
    w = pricing.Workload(2048, 0, 0, 24)
    endpoints, _ = lmi_pricing.network_cost(24, lmi_pricing.LmiConfig(interface_endpoints=3), C7G)
    nat, _ = lmi_pricing.network_cost(24, lmi_pricing.LmiConfig(egress="nat"), C7G)
    assert endpoints == pytest.approx(3 * 3 * 0.01 * 24)  # three endpoints in each of three zones
    assert nat == pytest.approx(3 * (0.045 + 0.005) * 24)  # a gateway and its address per zone
    assert lmi_pricing.managed_instances(w, US_ARM, C7G, lmi_pricing.LmiConfig())[0].network == endpoints


@pytest.mark.parametrize(
    ("rate", "memory", "environments", "instances"),
    [
        (0, 512, 3, 3),  # no traffic: the versions' minimum, and an instance per zone
        (1000, 512, 7, 3),  # 100 concurrent / 16 per environment; 3 environments per c7g.xlarge
        (2000, 512, 13, 5),
        (2000, 4096, 7, 7),  # 2-vCPU environments (32 each): one per instance (3 vCPUs usable)
    ],
)
def test_the_fleet_follows_the_traffic(rate: float, memory: int, environments: int, instances: int) -> None:
    w = pricing.Workload(memory, rate * 3600, 100, 1)
    fleet = lmi_pricing.fleet(w, lmi_pricing.LmiConfig(), C7G.instance)
    assert (fleet.environments, fleet.instances) == (environments, instances)


def test_break_even_with_on_demand_is_where_the_fleet_costs_what_the_duration_does() -> None:
    # 512 MB on demand at 100 ms vs three c7g.xlarge (+15 %) and three endpoints in three zones: requests cancel out.
    fleet_per_second = (3 * 0.145 * 1.15 + 9 * 0.01) / 3600
    on_demand_per_request = 0.1 * 0.5 * 0.0000133334
    w = pricing.Workload(512, 1, 100, 24)
    rows = lmi_break_even.table(
        w, US_ARM, C7G, lmi_pricing.LmiConfig(), concurrency=0, cached_versions=1, billed_restore_ms=0
    )
    (row,) = [r for r in rows if (r.strategy, r.duration_ms) == ("on-demand", 100)]
    assert row.from_rate == pytest.approx(fleet_per_second / on_demand_per_request, rel=1e-6)
    assert row.up_to is None and not row.always


def test_break_even_never_and_always() -> None:
    assert lmi_break_even.break_even(lambda rate: False, "x", 1).from_rate is None
    always = lmi_break_even.break_even(lambda rate: True, "x", 1)
    assert (always.always, always.from_rate) == (True, lmi_break_even.LOW)
    window = lmi_break_even.break_even(lambda rate: 10 < rate <= 1000, "x", 1)
    assert window.from_rate == pytest.approx(10, rel=1e-6) and window.up_to == pytest.approx(1000, rel=1e-6)


def test_the_text_shows_the_line_its_prices_and_the_break_even_table(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--memory", "512", "--invocations", "50000000", "--avg-duration-ms", "100", "--hours", "730"]
    assert run(cost.main, [*argv, "--region", "us-east-1"]) == 0
    out = capsys.readouterr().out
    assert "c7g.xlarge $0.1450/h [secondary]" in out and "management fee 15% of the on-demand price" in out
    assert "3 instance(s) of c7g.xlarge" in out
    assert "Break-even, managed-instances vs each strategy" in out
    assert "note: price not published as such, used anyway: instance: secondary" in out


def test_a_region_without_an_instance_price_asks_for_one(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--memory", "2048", "--region", "ap-northeast-1", "--strategy", "managed-instances"]
    with pytest.raises(SystemExit) as exit_:
        run(cost.main, argv)
    assert exit_.value.code == 2
    assert "no c7g.xlarge price for ap-northeast-1" in capsys.readouterr().err
    prices = ["--lmi-instance-price", "0.18", "--lmi-endpoint-price", "0.014"]
    assert run(cost.main, [*argv, *prices, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["lines"][0]["instances"] == pytest.approx(3 * 0.18 * 24)
    assert "instance: override (command line)" in data["flagged_prices"]
    # With every strategy asked for, the missing price is a note, not an error.
    assert run(cost.main, ["--memory", "2048", "--region", "ap-northeast-1"]) == 0
    assert "managed instances not priced: no c7g.xlarge price for ap-northeast-1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--lmi-memory", "3000"], "--lmi-memory must be 2048..32768 MB in whole vCPUs of --lmi-memory-per-vcpu 2"),
        (["--lmi-concurrency", "17"], "--lmi-concurrency must be 1..16 (16 per vCPU), got 17"),
        (
            ["--lmi-memory", "8192", "--lmi-memory-per-vcpu", "8", "--lmi-instance-type", "c7g.xlarge"],
            "does not fit on",
        ),
        (["--lmi-instances", "2"], "must be 3 or more (one per zone)"),
        (["--lmi-instance-type", "t4g.large"], "an instance type of the C, M or R families"),
    ],
)
def test_settings_lmi_cannot_run_are_refused(
    capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    argv = ["--memory", "512", "--region", "us-east-1", "--strategy", "managed-instances", *flags]
    with pytest.raises(SystemExit) as exit_:
        run(cost.main, argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_instance_sizes_come_from_their_names_as_the_sample_lists_them() -> None:
    # The sample's INSTANCE_TYPES: c7g.xlarge 4/8, m7g.2xlarge 8/32, r7g.4xlarge 16/128.
    assert [lmi_pricing.instance_size(n) for n in ("c7g.xlarge", "m7g.2xlarge", "r7g.4xlarge", "m7g.large")] == [
        (4, 8),
        (8, 32),
        (16, 128),
        (2, 8),
    ]


def test_every_price_in_the_file_has_a_status() -> None:
    data = json.loads(lmi_pricing.LMI_PRICES_FILE.read_text())
    for region, entry in data["prices"].items():
        assert entry["source"] and entry["as_of"], region
        for name, instance in entry["instances"].items():
            lmi_pricing.instance_size(name)
            assert instance["status"].split(":")[0] in ("published", "secondary", "unverified"), name
            assert instance["per_hour"] > 0
        for key, value in entry["vpc"].items():
            if key != "status":
                assert entry["vpc"]["status"][key].startswith("null" if value is None else ("secondary", "unverified"))
    assert math.isclose(data["management_fee"]["fraction"], 0.15)
