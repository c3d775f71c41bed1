"""cold_start orchestration against botocore's Stubber: the exact API sequence, and the restore of the
function's environment after success, failure and Ctrl-C."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from lambda_kit.tools import cold_start
from lambda_kit.tools.aws import Target, run
from tests.conftest import SHOP
from tests.tools import fixtures as fx

ENV = {"TABLE_NAME": "orders", "LOG_LEVEL": "INFO"}
TARGET = Target(function_name=fx.FUNCTION, alias="production")
PAYLOAD = b'{"version": "2.0"}'


NONCE = {"Environment": {"Variables": {**ENV, cold_start.NONCE_VARIABLE: ANY}}}


def stub_start(stub: Stubber, pc: bool = True) -> None:
    fx.stub_configuration(stub, env=ENV)
    if pc:
        stub.add_response(
            "get_provisioned_concurrency_config",
            {
                "RequestedProvisionedConcurrentExecutions": 2,
                "AllocatedProvisionedConcurrentExecutions": 2,
                "Status": "READY",
            },
            {"FunctionName": fx.FUNCTION, "Qualifier": "production"},
        )
    else:
        stub.add_client_error(
            "get_provisioned_concurrency_config",
            service_error_code="ProvisionedConcurrencyConfigNotFoundException",
            http_status_code=404,
        )


def stub_forced_cold(stub: Stubber, log: str = fx.ARM_COLD, function_error: str | None = None) -> None:
    """One forced cold start on $LATEST: a new nonce in the environment, the waiter, the invocation."""
    fx.stub_update(stub, NONCE, env=ENV)
    fx.stub_invoke(stub, log, function_error=function_error)


def stub_restore(stub: Stubber) -> None:
    fx.stub_poll(stub)
    fx.stub_update(stub, {"Environment": {"Variables": ENV}}, env=ENV)


def make():
    client = fx.lambda_client()
    calls = fx.Calls(client)
    return client, calls, Stubber(client)


def test_exact_call_sequence_and_restore() -> None:
    client, calls, stub = make()
    stub_start(stub)
    for _ in range(2):  # alias samples: provisioned, no init
        stub.add_response("invoke", fx.invoke_response(fx.ARM_WARM), fx.invoke_params("production"))
    for i in range(2):  # forced cold samples on $LATEST
        stub.add_response(
            "update_function_configuration", fx.configuration(env=ENV), {"FunctionName": fx.FUNCTION, **NONCE}
        )
        if i == 0:  # the waiter polls until Successful
            stub.add_response("get_function", fx.get_function_response("InProgress"), {"FunctionName": fx.FUNCTION})
        stub.add_response("get_function", fx.get_function_response(), {"FunctionName": fx.FUNCTION})
        stub.add_response(
            "invoke",
            fx.invoke_response(fx.report_line(12.0 + i, 13 + i, 512, init=400.0 + 10 * i)),
            fx.invoke_params("$LATEST"),
        )
    stub.add_response("invoke", fx.invoke_response(fx.report_line(3.0, 3, 512)), fx.invoke_params("$LATEST"))  # warm
    stub_restore(stub)

    with stub:
        result = cold_start.measure(client, TARGET, samples=2, warm_samples=1, payload=PAYLOAD, poll_seconds=0)
        stub.assert_no_pending_responses()

    assert calls.names == [
        "GetFunctionConfiguration",
        "GetProvisionedConcurrencyConfig",
        "Invoke",
        "Invoke",
        "UpdateFunctionConfiguration",
        "GetFunction",
        "GetFunction",
        "Invoke",
        "UpdateFunctionConfiguration",
        "GetFunction",
        "Invoke",
        "Invoke",
        "GetFunction",
        "UpdateFunctionConfiguration",
        "GetFunction",
    ]
    assert result["restored"] is True
    assert result["provisioned_concurrency"] == {"requested": 2, "allocated": 2, "status": "READY"}
    cold = result["groups"]["$LATEST cold (forced)"]
    assert [r.report.init_duration_ms for r in cold] == [400.0, 410.0]
    assert all(r.report.init_duration_ms is None for r in result["groups"]["production (alias)"])
    assert result["warnings"] == []

    summary = cold_start.summarize(result)
    init = summary["groups"]["$LATEST cold (forced)"]["metrics"]["init ms"]
    assert (init["p50"], init["p90"], init["max"]) == (400.0, 410.0, 410.0)
    assert "init ms" not in summary["groups"]["production (alias)"]["metrics"]
    text = cold_start.render(summary)
    assert "provisioned concurrency 2/2 (READY)" in text
    assert "configuration restored: yes" in text
    json.dumps(summary, default=str)


def test_each_forced_sample_uses_a_new_nonce() -> None:
    client, _, stub = make()
    sent: list[str] = []
    client.meta.events.register(
        "provide-client-params.lambda.UpdateFunctionConfiguration",
        lambda params, **_: sent.append(params["Environment"]["Variables"].get(cold_start.NONCE_VARIABLE)),
    )
    fx.stub_configuration(stub, env=ENV)
    for _ in range(3):
        stub_forced_cold(stub)
    stub_restore(stub)
    with stub:
        cold_start.measure(
            client, TARGET, samples=3, warm_samples=0, include_alias=False, payload=PAYLOAD, poll_seconds=0
        )
        stub.assert_no_pending_responses()
    assert len(set(sent)) == 4 and sent[-1] is None  # 3 distinct nonces, then the restore without it


def test_restores_after_a_throttled_invoke() -> None:
    client, calls, stub = make()
    stub_start(stub, pc=False)
    fx.stub_invoke(stub, fx.ARM_COLD, "production")
    fx.stub_update(stub, NONCE, env=ENV)
    stub.add_client_error("invoke", service_error_code="TooManyRequestsException", http_status_code=429)
    stub_restore(stub)
    with stub, pytest.raises(ClientError, match="TooManyRequestsException"):
        cold_start.measure(client, TARGET, samples=1, payload=PAYLOAD, poll_seconds=0)
    stub.assert_no_pending_responses()
    assert calls.names[-3:] == ["GetFunction", "UpdateFunctionConfiguration", "GetFunction"]


def test_restores_after_ctrl_c() -> None:
    client, calls, stub = make()
    fx.stub_configuration(stub, env=ENV)
    stub_forced_cold(stub)
    stub_restore(stub)

    def log(msg: str) -> None:
        if msg.startswith("$LATEST: forcing a new environment 2/"):
            raise KeyboardInterrupt

    with stub, pytest.raises(KeyboardInterrupt):
        cold_start.measure(client, TARGET, samples=3, include_alias=False, payload=PAYLOAD, poll_seconds=0, log=log)
    stub.assert_no_pending_responses()
    assert calls.names[-3:] == ["GetFunction", "UpdateFunctionConfiguration", "GetFunction"]


def test_restore_of_a_function_without_variables_sends_an_empty_map() -> None:
    client, _, stub = make()
    fx.stub_configuration(stub)
    fx.stub_update(stub, {"Environment": {"Variables": {cold_start.NONCE_VARIABLE: ANY}}})
    fx.stub_invoke(stub, fx.ARM_COLD)
    fx.stub_poll(stub)
    fx.stub_update(stub, {"Environment": {"Variables": {}}})
    with stub:
        cold_start.measure(
            client, TARGET, samples=1, warm_samples=0, include_alias=False, payload=PAYLOAD, poll_seconds=0
        )
        stub.assert_no_pending_responses()


def test_a_failed_restore_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    client, _, stub = make()
    fx.stub_configuration(stub, env=ENV)
    stub_forced_cold(stub)
    fx.stub_poll(stub)
    stub.add_client_error(
        "update_function_configuration", service_error_code="AccessDeniedException", http_status_code=403
    )
    with stub:
        result = cold_start.measure(
            client, TARGET, samples=1, warm_samples=0, include_alias=False, payload=PAYLOAD, poll_seconds=0
        )
    assert result["restored"] is False
    assert cold_start.NONCE_VARIABLE in capsys.readouterr().err


def test_warnings_for_a_cold_alias_and_a_failed_invocation() -> None:
    client, _, stub = make()
    stub_start(stub, pc=False)
    fx.stub_invoke(stub, fx.ARM_COLD, "production")
    stub_forced_cold(stub, fx.TIMEOUT, function_error="Unhandled")
    stub_restore(stub)
    with stub:
        result = cold_start.measure(client, TARGET, samples=1, warm_samples=0, payload=PAYLOAD, poll_seconds=0)
    text = " ".join(result["warnings"])
    assert "served cold starts" in text and "failed" in text and "no Init Duration" in text
    assert result["provisioned_concurrency"] is None


# ---------------------------------------------------------------- CLI error paths


@pytest.fixture
def stubbed_cli(monkeypatch: pytest.MonkeyPatch, aws_env: None, shop_project: Path):
    client = fx.lambda_client()
    stub = Stubber(client)
    monkeypatch.setattr(cold_start, "client", lambda session, service: client)
    with stub:
        yield stub


def test_cli_function_not_found(stubbed_cli: Stubber, capsys: pytest.CaptureFixture[str]) -> None:
    stubbed_cli.add_client_error(
        "get_function_configuration",
        service_error_code="ResourceNotFoundException",
        service_message="Function not found: arn:aws:lambda:ap-northeast-1:123456789012:function:nope",
        http_status_code=404,
    )
    assert run(cold_start.main, ["--function-name", "nope", "--region", "ap-northeast-1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: function nope not found")


def test_cli_throttled(stubbed_cli: Stubber, capsys: pytest.CaptureFixture[str]) -> None:
    stubbed_cli.add_response("get_function_configuration", fx.configuration(env=ENV), {"FunctionName": fx.FUNCTION})
    stubbed_cli.add_client_error(
        "get_provisioned_concurrency_config", service_error_code="TooManyRequestsException", http_status_code=429
    )
    argv = ["--function-name", fx.FUNCTION, "--alias", "live", "--region", "ap-northeast-1"]
    assert run(cold_start.main, argv) == 1
    assert "throttled" in capsys.readouterr().err


def test_cli_no_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str], shop_project: Path
) -> None:
    for var in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert run(cold_start.main, ["--function-name", "f", "--region", "ap-northeast-1", "--skip-alias"]) == 1
    assert "no AWS credentials" in capsys.readouterr().err


def test_cli_needs_a_target(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, aws_env: None, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no cloud assembly to read the function from
    payload = str(SHOP / "events" / "get_item.json")
    assert run(cold_start.main, ["--region", "ap-northeast-1", "--payload", payload]) == 1
    err = capsys.readouterr().err
    assert "cdk.out is not a cloud assembly" in err and "--function-name NAME" in err


def test_cli_a_function_named_without_an_alias_samples_latest_only(
    stubbed_cli: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    fx.stub_configuration(stubbed_cli, env=ENV)
    stub_forced_cold(stubbed_cli)
    stub_restore(stubbed_cli)
    argv = ["--function-name", fx.FUNCTION, "--region", "ap-northeast-1", "--samples", "1", "--warm-samples", "0"]
    assert run(cold_start.main, [*argv, "--poll-seconds", "0"]) == 0
    out = capsys.readouterr().out
    assert "$LATEST cold (forced) n=1" in out and "(alias)" not in out and "provisioned concurrency" not in out


def test_a_function_with_the_json_log_format_is_measured_the_same_way() -> None:
    """LogResult of a function whose LoggingConfig.LogFormat is JSON: platform.* records, one per line."""
    cold_json = (
        '{"time":"2026-11-28T10:00:00.100Z","type":"platform.start","record":{"requestId":"r1","version":"$LATEST"}}\n'
        '{"time":"2026-11-28T10:00:00.130Z","type":"platform.report","record":{"requestId":"r1","metrics":'
        '{"durationMs":12.5,"billedDurationMs":455,"memorySizeMB":512,"maxMemoryUsedMB":80,"initDurationMs":442.1},'
        '"status":"success"}}\n'
    )
    warm_json = cold_json.replace(',"initDurationMs":442.1', "").replace(
        '"billedDurationMs":455', '"billedDurationMs":13'
    )
    client, _, stub = make()
    fx.stub_configuration(stub, env=ENV)
    stub_forced_cold(stub, cold_json)
    fx.stub_invoke(stub, warm_json)
    stub_restore(stub)
    with stub:
        result = cold_start.measure(
            client, TARGET, samples=1, warm_samples=1, include_alias=False, payload=PAYLOAD, poll_seconds=0
        )
    summary = cold_start.summarize(result)
    assert summary["warnings"] == []
    cold = summary["groups"]["$LATEST cold (forced)"]["metrics"]
    assert cold["init ms"]["p50"] == 442.1 and cold["billed ms"]["p50"] == 455
    assert "init ms" not in summary["groups"]["$LATEST warm"]["metrics"]
