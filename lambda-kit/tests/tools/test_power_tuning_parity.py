"""Parity with AWS Lambda Power Tuning 4.4.0: its own unit-test tables, run through our code with the options
set to Power Tuning's behaviour (--cost-model power-tuning, --duration-metric measured).

Sources (data adapted, no code): alexcasalboni/aws-lambda-power-tuning @262ecc2 (package.json 4.4.0)
- ANALYZER: test/unit/test-lambda.js, describe('analyzer'): stats tables -> expected `power`
- TRIMMED_MEAN: test/unit/test-utils.js, describe('computeAverageDuration')
- DISCARD_TOP_BOTTOM: test/unit/test-lambda.js, describe('executor'), logResults + trimmedDurationsValues
  (the ten LogResult blobs, base64-decoded; the REPORT lines are kept byte for byte)
- WEIGHTED_PAYLOADS: test/unit/test-utils.js, describe('generatePayloads')
- computePrice and the SnapStart billed sum: test/unit/test-utils.js
"""

from __future__ import annotations

import json

import pytest

from lambda_kit.tools import pricing, stats
from lambda_kit.tools.aws import InvokeResult, ToolError
from lambda_kit.tools.power_tuning.analysis import Candidate, analyze, choose, power_tuning_price
from lambda_kit.tools.power_tuning.sweep import weighted_payloads
from lambda_kit.tools.report_parser import parse_report

# (test name in Power Tuning, strategy, balancedWeight, [(value, averagePrice, averageDuration)], expected power)
ANALYZER = [
    ("cheapest if no strategy", "cost", 0.5, [(128, 100, 100), (256, 200, 300), (512, 30, 200)], 512),
    ("cheapest if cost strategy", "cost", 0.5, [(128, 100, 100), (256, 200, 300), (512, 30, 200)], 512),
    ("cheapest and fastest if same cost", "cost", 0.5, [(128, 100, 100), (256, 100, 90), (512, 300, 200)], 256),
    ("fastest if speed strategy", "speed", 0.5, [(128, 100, 300), (256, 200, 200), (512, 300, 100)], 512),
    ("fastest and cheapest if same duration", "speed", 0.5, [(128, 100, 200), (256, 90, 200), (512, 300, 400)], 256),
    ("balanced, weight = 1", "balanced", 1.0, [(128, 100, 100), (256, 200, 300), (512, 30, 200)], 512),
    ("balanced, weight = 0", "balanced", 0.0, [(128, 100, 300), (256, 200, 200), (512, 300, 100)], 512),
    ("balanced, default weight", "balanced", 0.5, [(128, 101, 300), (256, 200, 200), (512, 300, 101)], 256),
    (
        "balanced, custom weight 0.3",
        "balanced",
        0.3,
        [(128, 100, 300), (256, 200, 200), (512, 300, 100), (1024, 1000, 50)],
        512,
    ),
    ("total cost of execution (no strategy)", "cost", 0.5, [(128, 100, 100), (256, 200, 300), (512, 30, 200)], 512),
]


@pytest.mark.parametrize(("name", "strategy", "weight", "table", "expected"), ANALYZER, ids=[a[0] for a in ANALYZER])
def test_analyzer_tables_give_power_tunings_answer(
    name: str, strategy: str, weight: float, table: list[tuple[int, float, float]], expected: int
) -> None:
    best, _ = choose([Candidate(m, cost, duration) for m, cost, duration in table], strategy, weight)
    assert best.memory_mb == expected


def test_an_unknown_strategy_is_refused_as_in_power_tuning() -> None:
    for strategy in ("foobar", "Balanced", " ", "-"):  # Power Tuning's invalidStrategies
        with pytest.raises(ValueError, match="unknown strategy"):
            choose([Candidate(128, 1, 1)], strategy)


def test_ties_fall_to_the_size_listed_first_as_in_a_stable_sort() -> None:
    same = [Candidate(1024, 5, 5), Candidate(512, 5, 5)]
    assert choose(same, "cost")[0].memory_mb == 1024
    assert choose(same, "speed")[0].memory_mb == 1024
    assert choose(same, "balanced")[0].memory_mb == 1024


# (durations, discardTopBottom, expected average)
TRIMMED_MEAN = [
    ([1, 2, 3, 4, 2000], 0.2, 3),
    ([1, 2, 3, 4, 2000], 0.4, 3),
    ([1, 2, 3, 4, 2000], 0, 402),
    ([1], 0.4, 1),
]


@pytest.mark.parametrize(("durations", "trim", "expected"), TRIMMED_MEAN)
def test_trimmed_mean_matches_compute_average_duration(durations: list[float], trim: float, expected: float) -> None:
    assert stats.trimmed_mean(durations, trim) == expected


_HEAD = (
    "START RequestId: 479fb51c-1e38-11e7-99ca-67bf163608ed Version: 99\n"
    "2017-04-10T21:54:32.683Z\t479fb51c-1e38-11e7-99ca-67bf163608ed\tvalue1 = undefined\n"
    "END RequestId: 479fb51c-1e38-11e7-99ca-67bf163608ed\n"
    "REPORT RequestId: 479fb51c-1e38-11e7-99ca-67bf163608ed\t"
)
EXECUTOR_LOGS = [
    _HEAD
    + "Duration: 0.1 ms\tBilled Duration: 1 ms\tInit Duration: 0.1 ms \tMemory Size: 128 MB\tMax Memory Used: 15 MB\t\n",
    _HEAD + "Duration: 0.5 ms\tBilled Duration: 1 ms \tMemory Size: 128 MB\tMax Memory Used: 15 MB\t\n",
    # this blob's newlines are spaces in Power Tuning's fixture
    "START RequestId: 479fb51c-1e38-11e7-99ca-67bf163608ed Version: 99 2017-04-10T21:54:32.683Z\t479fb51c-1e38-11e7-"
    "99ca-67bf163608ed\tvalue1 = undefined END RequestId: 479fb51c-1e38-11e7-99ca-67bf163608ed REPORT RequestId: "
    "479fb51c-1e38-11e7-99ca-67bf163608ed\tDuration: 2.0 ms\tBilled Duration: 2 ms \tMemory Size: 128 MB\t"
    "Max Memory Used: 15 MB\t",
    _HEAD + "Duration: 3.0 ms\tBilled Duration: 3 ms \tMemory Size: 128 MB\tMax Memory Used: 15 MB\t\n",
    _HEAD + "Duration: 3.0 ms\tBilled Duration: 3 ms \tMemory Size: 128 MB\tMax Memory Used: 15 MB\t\n",
    _HEAD + "Duration: 4.0 ms\tBilled Duration: 4 ms \tMemory Size: 128 MB\tMax Memory Used: 15 MB\t\n",
    _HEAD + "Duration: 4.5 ms\tBilled Duration: 5 ms \tMemory Size: 128 MB\tMax Memory Used: 15 MB\t\n",
    _HEAD + "Duration: 10.0 ms\tBilled Duration: 10 ms \tMemory Size: 128 MB\tMax Memory Used: 15 MB\t\n",
    _HEAD + "Duration: 50.0 ms\tBilled Duration: 50 ms \tMemory Size: 128 MB\tMax Memory Used: 15 MB\t\n",
    _HEAD + "Duration: 200.0 ms\tBilled Duration: 200 ms \tMemory Size: 128 MB\tMax Memory Used: 15 MB\t\n",
]
# discardTopBottom -> trimmedDurationsValues (0.7 is clamped to 0.4 there; we refuse >= 0.5 instead)
DISCARD_TOP_BOTTOM = [(0.4, 3.5), (0.2, 4.416666666666667), (0, 27.72)]
US_EAST_X86 = pricing.get_prices("us-east-1", "x86_64")


@pytest.mark.parametrize(("trim", "expected"), DISCARD_TOP_BOTTOM)
def test_executor_average_duration_from_the_same_log_results(trim: float, expected: float) -> None:
    samples = [InvokeResult("RAM128", 1.0, 200, None, parse_report(log)) for log in EXECUTOR_LOGS]
    r = analyze(128, samples, US_EAST_X86, trim, cost_model="power-tuning", duration_metric="measured")
    assert r.duration_ms == pytest.approx(expected)


def test_compute_price_and_the_snapstart_billed_sum() -> None:
    # computePrice(minCost=2.1e-9 $/ms at minRAM=128, value=1024, duration=300) = 2.1e-9 * 8 * 300
    prices = US_EAST_X86.with_overrides(duration_per_gb_second=2.1e-9 * 1000 * 8)
    assert power_tuning_price(300, 1024, prices) == pytest.approx(2.1e-9 * 8 * 300)
    assert power_tuning_price(299.2, 1024, prices) == pytest.approx(2.1e-9 * 8 * 300)  # Math.ceil
    # parseLogAndExtractBilledDurations: Billed Duration 500 + Billed Restore Duration 75 = 575 (textLogSnapStart)
    log = (
        "REPORT RequestId: 55bc566d-1e2c-11e7-93e6-6705ceb4c1cc\tDuration: 469.40 ms\tBilled Duration: 500 ms\t"
        "Memory Size: 1024 MB\tMax Memory Used: 21 MB\tRestore Duration: 474.16 ms\tBilled Restore Duration: 75 ms"
    )
    sample = InvokeResult("RAM1024", 1.0, 200, None, parse_report(log))
    pt = analyze(1024, [sample], prices, 0, cost_model="power-tuning", duration_metric="measured")
    assert pt.cost_per_invocation == pytest.approx(power_tuning_price(575, 1024, prices))
    assert pt.duration_ms == pytest.approx(943.56)  # parseLogAndExtractDurations: Duration + Restore Duration
    ours = analyze(1024, [sample], prices, 0)
    assert ours.duration_ms == 500  # Billed Duration already includes the billed restore: not added twice
    assert ours.cost_per_invocation == pytest.approx(pricing.cost_per_invocation(500, 1024, prices))


# (weights, num, expected counts) from generatePayloads' weighted tests
WEIGHTED_PAYLOADS = [
    (2, 100, [50, 50]),
    (3, 100, [33, 33, 34]),
    (3, 20, [6, 6, 8]),
    (1, 10, [10]),
    (4, 23, [5, 5, 5, 8]),
    (5, 54, [10, 10, 10, 10, 14]),
]


@pytest.mark.parametrize(("n_payloads", "num", "counts"), WEIGHTED_PAYLOADS)
def test_weighted_payloads_as_generate_payloads(n_payloads: int, num: int, counts: list[int]) -> None:
    entries = [{"payload": {"test": chr(65 + i)}, "weight": 1} for i in range(n_payloads)]
    out = [json.loads(p)["test"] for p in weighted_payloads(entries, num)]
    assert len(out) == num
    assert [out.count(chr(65 + i)) for i in range(n_payloads)] == counts


def test_weighted_payloads_need_enough_invocations() -> None:
    entries = [{"payload": {"i": i}, "weight": 1} for i in range(6)]
    with pytest.raises(ToolError, match="at least as many invocations"):
        weighted_payloads(entries, 5)
    with pytest.raises(ToolError, match="weight is too small"):
        weighted_payloads([{"payload": {}, "weight": 1}, {"payload": {}, "weight": 100}], 10)
