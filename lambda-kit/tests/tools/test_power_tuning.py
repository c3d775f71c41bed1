"""power_tuning: strategies on recorded REPORT data, and the sweep against botocore's Stubber (exact call
sequence, original memory restored after success, failure and Ctrl-C), chart and JSON output."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from lambda_kit.tools import power_tuning, pricing
from lambda_kit.tools.aws import InvokeResult, ToolError, run
from lambda_kit.tools.power_tuning import MemoryResult, analyze, recommend
from lambda_kit.tools.power_tuning.analysis import Candidate, InvocationFailed, choose, failure_reason
from lambda_kit.tools.power_tuning.sweep import SweepOptions, sweep
from lambda_kit.tools.report_parser import parse_report
from tests.tools import fixtures as fx
from tests.tools.stubbed_sweep import run_stubbed, stub_restore, stub_size, stub_sweep

PRICES = pricing.get_prices("us-east-1", "arm64")


def sample(log: str, function_error: str | None = None) -> InvokeResult:
    return InvokeResult("$LATEST", 50.0, 200, function_error, parse_report(log))


def result(memory: int, billed: float, failed: bool = False) -> MemoryResult:
    r = MemoryResult(
        memory,
        billed_ms=[billed] * 5,
        measured_ms=[billed] * 5,
        duration_ms=billed,
        trimmed_billed_ms=billed,
        cost_per_invocation=pricing.cost_per_invocation(billed, memory, PRICES),
    )
    if failed:
        r.errors.append("Runtime.OutOfMemory")
    return r


# ---------------------------------------------------------------- analysis and strategies


def test_analyze_uses_billed_duration_and_drops_outliers() -> None:
    logs = [fx.report_line(d, b, 1024) for d, b in [(9.5, 10), (10.5, 11), (11.2, 12), (12.1, 13), (480.0, 481)]]
    r = analyze(1024, [sample(x) for x in logs], PRICES, trim=0.2)
    assert r.billed_ms == [10, 11, 12, 13, 481]
    assert r.trimmed_billed_ms == pytest.approx(12.0)  # drops 10 and 481
    assert r.cost_per_invocation == pytest.approx(0.012 * 1.0 * 0.0000133334 + 0.2e-6)
    assert not r.failed


def test_analyze_marks_oom_and_timeout_as_failed() -> None:
    oom = analyze(128, [sample(fx.OOM, "Unhandled")], PRICES)
    assert oom.failed and oom.errors == ["Runtime.OutOfMemory"]
    timeout = analyze(128, [sample(fx.TIMEOUT, "Unhandled")], PRICES)
    assert timeout.failed and timeout.errors == ["timeout"]


def test_cost_strategy_picks_the_cheapest() -> None:
    # 128 MB x 400 ms = 51.2 GB-ms; 256 x 150 = 38.4 (cheapest); 1024 x 50 = 51.2; 2048 x 30 = 61.4
    rs = [result(128, 400), result(256, 150), result(1024, 50), result(2048, 30)]
    rec = recommend(rs, "cost")
    assert rec["memory_mb"] == 256
    assert rec["cheapest_mb"] == 256 and rec["fastest_mb"] == 2048
    assert "cheapest" in rec["reason"] and "2048 MB" in rec["reason"]


def test_speed_strategy_picks_the_fastest() -> None:
    rs = [result(128, 400), result(256, 150), result(1024, 50), result(2048, 30)]
    rec = recommend(rs, "speed")
    assert rec["memory_mb"] == 2048
    assert "fastest" in rec["reason"] and "40% faster than 1024 MB" in rec["reason"]


def test_balanced_strategy_weights() -> None:
    rs = [result(128, 400), result(256, 150), result(1024, 50), result(2048, 30)]
    assert recommend(rs, "balanced", 1.0)["memory_mb"] == 256  # all cost
    assert recommend(rs, "balanced", 0.0)["memory_mb"] == 2048  # all speed
    rec = recommend(rs, "balanced", 0.5)
    # hand-computed: cost/max + time/max, halves. 1024: 0.5*51.2/61.44.. + 0.5*50/400 is the lowest
    costs = {r.memory_mb: r.cost_per_invocation for r in rs if r.cost_per_invocation is not None}
    times = {r.memory_mb: r.duration_ms for r in rs if r.duration_ms is not None}
    assert len(costs) == len(times) == len(rs)
    expected = {m: 0.5 * costs[m] / max(costs.values()) + 0.5 * times[m] / 400 for m in costs}
    assert rec["memory_mb"] == min(expected, key=expected.__getitem__) == 1024
    assert rec["scores"][1024] == pytest.approx(expected[1024])


def test_failed_sizes_are_excluded_and_named() -> None:
    rec = recommend([result(128, 10, failed=True), result(256, 150), result(512, 70)], "cost")
    assert rec["memory_mb"] != 128
    assert rec["excluded"] == ["128 MB (Runtime.OutOfMemory)"]
    assert "excluded after errors" in rec["reason"]


def test_nothing_to_recommend() -> None:
    with pytest.raises(ToolError, match="nothing to recommend"):
        recommend([result(128, 10, failed=True)], "cost")
    with pytest.raises(ValueError):
        recommend([result(256, 10)], "cheapest")


# ---------------------------------------------------------------- sweep orchestration (Stubber)


def make():
    client = fx.lambda_client()
    calls = fx.Calls(client)
    return client, calls, Stubber(client)


def prices_for(arch: str) -> pricing.Prices:
    return pricing.get_prices("ap-northeast-1", arch)


def run_sweep(
    client, sizes: list[int], options: SweepOptions, payloads=(b"{}",), prices=prices_for, **more: Any
) -> dict[str, Any]:
    """The sweep of the fixture function over ``sizes`` (``more``: its progress bar or sleep)."""
    return sweep(client, fx.FUNCTION, sizes, payloads=list(payloads), prices_for=prices, options=options, **more)


def test_sweep_exact_call_sequence_and_restore() -> None:
    client, calls, stub = make()
    stub_sweep(stub, [256, 1024], invocations=3, warmup=1)
    with stub:
        outcome = run_sweep(client, [256, 1024], SweepOptions(invocations=3, poll_seconds=0))
        stub.assert_no_pending_responses()
    per_size = ["UpdateFunctionConfiguration", "GetFunction"] + ["Invoke"] * 4
    assert calls.names == [
        "GetFunctionConfiguration",
        *per_size,
        *per_size,
        "GetFunction",
        "UpdateFunctionConfiguration",
        "GetFunction",
    ]
    assert outcome["restored"] is True
    assert [r.memory_mb for r in outcome["results"]] == [256, 1024]
    assert outcome["prices"]["architecture"] == "arm64"  # taken from the function's configuration


def test_sweep_parallel_invocations() -> None:
    client, calls, stub = make()
    stub_sweep(stub, [512], invocations=6, warmup=1)
    with stub:
        outcome = run_sweep(client, [512], SweepOptions(invocations=6, parallel=3, poll_seconds=0))
        stub.assert_no_pending_responses()
    assert len(outcome["results"][0].billed_ms) == 6
    assert calls.names.count("Invoke") == 7


def test_sweep_restores_memory_after_a_failure() -> None:
    client, calls, stub = make()
    fx.stub_configuration(stub, memory=768)
    stub_size(stub, 256)
    fx.stub_invoke(stub, fx.ARM_COLD)
    stub.add_client_error("invoke", service_error_code="TooManyRequestsException", http_status_code=429)
    stub_restore(stub, 768)
    with stub, pytest.raises(ClientError, match="TooManyRequests"):
        run_sweep(client, [256, 512], SweepOptions(invocations=5, poll_seconds=0))
    stub.assert_no_pending_responses()
    assert calls.names[-3:] == ["GetFunction", "UpdateFunctionConfiguration", "GetFunction"]


def test_sweep_restores_memory_after_a_failed_update() -> None:
    client, _, stub = make()
    fx.stub_configuration(stub, memory=512)
    stub.add_response(
        "update_function_configuration", fx.configuration(memory=256), {"FunctionName": fx.FUNCTION, "MemorySize": 256}
    )
    fx.stub_poll(stub, "Failed")
    stub_restore(stub, 512)
    with stub, pytest.raises(ToolError, match="did not succeed"):
        run_sweep(client, [256], SweepOptions(invocations=5, poll_seconds=0))
    stub.assert_no_pending_responses()


class InterruptingProgress:
    """A progress bar whose 5th tick is a Ctrl-C."""

    def __init__(self) -> None:
        self.ticks = 0

    def set_postfix_str(self, _: str) -> None:
        pass

    def update(self, n: int) -> None:
        self.ticks += n
        if self.ticks == 5:
            raise KeyboardInterrupt


def test_sweep_restores_memory_after_ctrl_c() -> None:
    client, calls, stub = make()
    fx.stub_configuration(stub, memory=512)
    stub_size(stub, 128)
    for _ in range(5):
        fx.stub_invoke(stub, fx.ARM_WARM)
    stub_restore(stub, 512)
    with stub, pytest.raises(KeyboardInterrupt):
        run_sweep(client, [128, 256], SweepOptions(invocations=10, poll_seconds=0), progress=InterruptingProgress())
    stub.assert_no_pending_responses()
    assert calls.names[-2:] == ["UpdateFunctionConfiguration", "GetFunction"]


def test_missing_price_fails_before_anything_changes() -> None:
    client, calls, stub = make()
    fx.stub_configuration(stub, memory=512)

    def no_price(arch: str) -> pricing.Prices:
        raise ToolError("no Lambda prices for region 'eu-west-9'")

    with stub, pytest.raises(ToolError, match="eu-west-9"):
        run_sweep(client, [256], SweepOptions(invocations=5, poll_seconds=0), prices=no_price)
    assert calls.names == ["GetFunctionConfiguration"]


def test_invalid_memory_is_refused_before_any_call() -> None:
    client, calls, _ = make()
    with pytest.raises(ToolError, match=r"128\.\.10240"):
        run_sweep(client, [64], SweepOptions(invocations=5))
    assert calls.names == []


# ---------------------------------------------------------------- full stubbed sweep: chart + JSON


def test_stubbed_sweep_writes_chart_and_json(tmp_path) -> None:
    report = run_stubbed(tmp_path, strategy="balanced", weight=0.5)
    png = tmp_path / f"{fx.FUNCTION}-stubbed.png"
    assert report["chart_path"] == str(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    js = json.loads((tmp_path / png.name.replace(".png", ".json")).read_text())
    assert js["recommendation"]["memory_mb"] == report["recommendation"]["memory_mb"]
    by_mem = {r["memory_mb"]: r for r in js["results"]}
    assert by_mem[128]["failed"] and by_mem[128]["errors"][0] == "Runtime.OutOfMemory"
    # the 3x outlier per size is dropped by the trimmed mean: 1024 MB stays near 101-105 ms billed
    assert 100 <= by_mem[1024]["trimmed_billed_ms"] <= 106
    assert js["restored"] is True
    text = power_tuning.render(report)
    assert "Recommendation (balanced)" in text and "Memory restored to 512 MB: yes" in text


def test_stubbed_sweep_strategies_differ() -> None:
    cost = run_stubbed(None, strategy="cost")["recommendation"]
    speed = run_stubbed(None, strategy="speed")["recommendation"]
    assert cost["memory_mb"] < speed["memory_mb"]
    assert speed["memory_mb"] == 3008


def test_cli_bad_weight_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run(power_tuning.main, ["--function-name", "f", "--strategy", "balanced", "--balanced-weight", "2"])
    assert exc.value.code == 2
    assert "between 0 and 1" in capsys.readouterr().err


# ---------------------------------------------------------------- Power Tuning's options in the sweep


def test_only_cold_starts_puts_every_sample_on_a_new_environment_and_restores_memory_and_environment() -> None:
    env = {"TABLE_NAME": "orders"}
    client, calls, stub = make()
    fx.stub_configuration(stub, memory=512, env=env)
    stub_size(stub, 1024)
    for _ in range(2):
        nonce = {"Environment": {"Variables": {**env, "POWER_TUNING_NONCE": ANY}}}
        fx.stub_update(stub, nonce, memory=1024, env=env)
        fx.stub_invoke(stub, fx.ARM_COLD)
    stub_restore(stub, 512, env=env)
    options = SweepOptions(invocations=2, poll_seconds=0, only_cold_starts=True, duration_metric="measured")
    with stub:
        outcome = run_sweep(client, [1024], options)
        stub.assert_no_pending_responses()
    assert calls.names.count("Invoke") == 2  # no warm-up: the warm-up would not be a cold start
    assert outcome["settings"]["trim"] == 0.0 and outcome["restored"] is True
    r = outcome["results"][0]
    assert r.duration_ms == pytest.approx(388.90 + 25.50)  # Init Duration + Duration, each sample cold


def test_on_error_abort_stops_at_the_first_failure_and_still_restores() -> None:
    client, calls, stub = make()
    fx.stub_configuration(stub, memory=512)
    stub_size(stub, 128)
    fx.stub_invoke(stub, fx.ARM_WARM)  # warm-up
    fx.stub_invoke(stub, fx.OOM, function_error="Unhandled")
    stub_restore(stub, 512)
    options = SweepOptions(invocations=5, poll_seconds=0, on_error="abort")
    with stub, pytest.raises(InvocationFailed, match=r"128 MB failed \(Runtime\.OutOfMemory\)"):
        run_sweep(client, [128, 256], options)
    stub.assert_no_pending_responses()
    assert calls.names[-2:] == ["UpdateFunctionConfiguration", "GetFunction"]


def test_payloads_are_sent_in_turn_and_serial_runs_sleep_between_invocations() -> None:
    client, _, stub = make()
    sent: list[bytes] = []
    client.meta.events.register(
        "provide-client-params.lambda.Invoke", lambda params, **_: sent.append(params["Payload"])
    )
    stub_sweep(stub, [256], invocations=3, warmup=1)
    slept: list[float] = []
    options = SweepOptions(invocations=3, poll_seconds=0, sleep_between_ms=250)
    with stub:
        run_sweep(client, [256], options, payloads=[b"A", b"B"], sleep=slept.append)
    assert sent == [b"A", b"A", b"B", b"A"]  # warm-up, then the measured ones in turn
    assert slept == [0.25, 0.25, 0.25]


def test_why_an_invocation_does_not_count() -> None:
    no_report = InvokeResult("$LATEST", 1.0, 200, None, None, "no REPORT")
    handled = InvokeResult("$LATEST", 1.0, 200, "Handled", parse_report(fx.ARM_WARM))
    duration_only = InvokeResult(
        "$LATEST", 1.0, 200, None, parse_report('{"type":"platform.report","record":{"metrics":{"durationMs":1.1}}}')
    )
    assert failure_reason(no_report) == "no report (no REPORT)"
    assert failure_reason(handled) == "Handled"
    assert failure_reason(sample(fx.TIMEOUT)) == "timeout"
    assert (failure_reason(duration_only) or "").startswith("report without Billed Duration")
    assert failure_reason(sample(fx.ARM_WARM)) is None
    r = analyze(512, [duration_only, no_report], PRICES)
    assert r.failed and r.billed_ms == [] and r.cost_per_invocation is None


def test_analysis_options_are_checked_and_zero_costs_do_not_divide_by_zero() -> None:
    with pytest.raises(ValueError, match="cost_model"):
        analyze(512, [], PRICES, cost_model="cheap")
    best, scores = choose([Candidate(128, 0.0, 10), Candidate(256, 0.0, 5)], "balanced")
    assert best.memory_mb == 256 and scores == {128: 0.5, 256: 0.25}
    with pytest.raises(ValueError, match="no candidates"):
        choose([], "cost")


def test_a_function_with_the_json_log_format_is_analyzed_like_text() -> None:
    from tests.tools.report_fixtures import FIXTURES

    by_name = {f.name: f.text for f in FIXTURES}
    json_result = analyze(1024, [sample(by_name["pt-json-logresult"])] * 3, PRICES)
    text = by_name["pt-json-logresult"]
    as_text = (
        "REPORT RequestId: d661f7cf-9208-46b9-85b0-213b04a91065\tDuration: 1.317 ms\tBilled Duration: 2 ms\t"
        "Memory Size: 1024 MB\tMax Memory Used: 68 MB\tInit Duration: 10 ms\t"
    )
    text_result = analyze(1024, [sample(as_text)] * 3, PRICES)
    assert "platform.report" in text
    assert json_result.to_dict() == text_result.to_dict()
    assert json_result.duration_ms == 2 and not json_result.failed


def test_per_size_summary_numbers() -> None:
    logs = [fx.report_line(b - 0.5, b, 512, used=70 + b // 10) for b in range(10, 110, 10)]  # billed 10 .. 100
    d = analyze(512, [sample(x) for x in logs], PRICES, trim=0).to_dict()
    # nearest rank of 10 samples: p50 is the 5th, p90 the 9th
    assert (d["n"], d["p50_billed_ms"], d["p90_billed_ms"], d["max_billed_ms"]) == (10, 50, 90, 100)
    assert d["max_memory_used_mb"] == 80
    assert d["cost_per_million"] == pytest.approx(d["cost_per_invocation"] * 1_000_000)
    no_memory = '{"type":"platform.report","record":{"metrics":{"durationMs":1.0,"billedDurationMs":2}}}'
    assert analyze(512, [sample(no_memory)], PRICES).max_memory_used_mb is None


def test_reasons_give_the_exact_differences() -> None:
    rs = [result(128, 400), result(256, 150), result(1024, 50), result(2048, 30)]
    cost = recommend(rs, "cost")
    fastest_extra = (rs[3].cost_per_invocation or 0) / (rs[1].cost_per_invocation or 1) - 1
    assert f"costs {fastest_extra:.0%} more" in cost["reason"] and cost["balanced_weight"] is None
    speed = recommend(rs, "speed")
    assert "; 40% faster than 1024 MB" in speed["reason"]  # 30 ms vs 50 ms
    assert recommend(rs, "balanced", 0.25)["balanced_weight"] == 0.25


# ---------------------------------------------------------------- what a recommendation says, word for word


def test_reasons_when_one_size_is_both_the_cheapest_and_the_fastest() -> None:
    one = [result(512, 20)]  # 0.02 s x 0.5 GB x 0.0000133334 + 0.2e-6 = $0.000000333
    assert recommend(one, "cost")["reason"] == (
        "512 MB is the cheapest per invocation ($0.000000333, 20.0 ms) and also the fastest"
    )
    assert recommend(one, "speed")["reason"] == "512 MB is the fastest (20.0 ms, trimmed mean) and also the cheapest"
    assert recommend(one, "balanced", 0.25)["reason"] == (
        "512 MB has the lowest balanced score 1.000 = 0.25 x cost/max cost (1.00) + 0.75 x duration/max duration "
        "(1.00); cheapest is 512 MB, fastest 512 MB"
    )


def test_speed_and_balanced_reasons_in_full() -> None:
    # 2048 MB x 30 ms = $0.00000100; the cheapest, 256 MB x 150 ms = $0.00000070; the dearest is 2048 MB
    rs = [result(128, 400), result(256, 150), result(1024, 50), result(2048, 30)]
    speed = recommend(rs, "speed")
    assert speed["reason"] == (
        "2048 MB is the fastest (30.0 ms, trimmed mean); it costs $0.00000100 per invocation, 43% more than the "
        "cheapest, 256 MB (150.0 ms); 40% faster than 1024 MB"
    )
    assert (speed["cost_per_invocation"], speed["duration_ms"]) == (rs[3].cost_per_invocation, 30)
    # 0.25 x 1.00 + 0.75 x 30/400
    assert recommend(rs, "balanced", 0.25)["reason"] == (
        "2048 MB has the lowest balanced score 0.306 = 0.25 x cost/max cost (1.00) + 0.75 x duration/max duration "
        "(0.07); cheapest is 256 MB, fastest 2048 MB"
    )


def test_a_free_cheapest_size_has_no_percentage() -> None:
    free = MemoryResult(128, billed_ms=[50], duration_ms=50, trimmed_billed_ms=50, cost_per_invocation=0.0)
    assert recommend([free, result(1024, 10)], "speed")["reason"] == (
        "1024 MB is the fastest (10.0 ms, trimmed mean); it costs $0.000000333 per invocation, n/a more than the "
        "cheapest, 128 MB (50.0 ms); 80% faster than 128 MB"
    )


def test_excluded_sizes_are_listed_with_their_errors_or_no_data() -> None:
    two_errors = result(128, 10, failed=True)
    two_errors.errors += ["timeout", "Runtime.OutOfMemory"]
    no_data = MemoryResult(192)
    rec = recommend([two_errors, no_data, result(256, 150)], "cost")
    assert rec["excluded"] == ["128 MB (Runtime.OutOfMemory, timeout)", "192 MB (no data)"]
    assert rec["reason"].endswith("; excluded after errors: 128 MB (Runtime.OutOfMemory, timeout); 192 MB (no data)")
    with pytest.raises(ToolError) as nothing:
        recommend([two_errors, no_data], "cost")
    assert str(nothing.value) == (
        "no memory size completed without errors: nothing to recommend "
        "(128 MB (Runtime.OutOfMemory, timeout); 192 MB (no data))"
    )
    with pytest.raises(ValueError) as unknown:
        recommend([result(256, 10)], "cheapest")
    assert str(unknown.value) == "unknown strategy 'cheapest'; expected one of ('cost', 'speed', 'balanced')"


def test_balanced_weight_bounds_and_an_empty_choice() -> None:
    candidates = [Candidate(128, 2.0, 10), Candidate(256, 1.0, 20)]
    assert choose(candidates, "balanced", 1)[0].memory_mb == 256  # all cost
    assert choose(candidates, "balanced", 0)[0].memory_mb == 128  # all speed
    for bad in (-0.01, 1.01):
        with pytest.raises(ValueError) as outside:
            choose(candidates, "balanced", bad)
        assert str(outside.value) == "--balanced-weight must be between 0 and 1"
    with pytest.raises(ValueError) as empty:
        choose([], "cost")
    assert str(empty.value) == "no candidates"


def test_a_size_without_samples_summarizes_as_failed_with_no_numbers() -> None:
    d = MemoryResult(512).to_dict()
    assert d["failed"] is True and d["n"] == 0
    assert (d["p50_billed_ms"], d["max_billed_ms"], d["cost_per_million"]) == (None, None, None)


def test_power_tunings_cost_model_keeps_every_sample_with_trim_zero_after_a_lost_report() -> None:
    no_report = InvokeResult("$LATEST", 1.0, 200, None, None, "no REPORT")
    logs = [fx.report_line(b - 0.5, b, 1024) for b in (10, 11, 12, 13, 481)]  # no SnapStart: no restore
    samples = [no_report] + [sample(x) for x in logs]
    r = analyze(1024, samples, PRICES, trim=0, cost_model="power-tuning")
    assert r.errors == ["no report (no REPORT)"] and r.billed_ms == [10, 11, 12, 13, 481]
    assert r.trimmed_billed_ms == pytest.approx(105.4)
    per_ms = 0.001 * 1.0 * 0.0000133334
    assert r.cost_per_invocation == pytest.approx(106 * per_ms)  # ceil(105.4) ms, no request price
