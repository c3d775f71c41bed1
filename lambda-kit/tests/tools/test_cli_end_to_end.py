"""The CLIs' main() against stubbed clients: --stage resolution through the fixture app's assembly and its
[tool.lambda-kit] table, tables, JSON, files, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.stub import Stubber

from lambda_kit.tools import cold_start, cost, power_tuning
from lambda_kit.tools.aws import run
from tests.tools import fixtures as fx
from tests.tools.stubbed_sweep import stub_sweep


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch, aws_env: None, shop_project: Path):
    lam, cfn = fx.lambda_client(), fx.cfn_client()
    by_service = {"lambda": lam, "cloudformation": cfn}
    for module in (cold_start, power_tuning.cli):
        monkeypatch.setattr(module, "client", lambda session, service: by_service[service])
    with Stubber(lam) as lam_stub, Stubber(cfn) as cfn_stub:
        yield lam_stub, cfn_stub
        lam_stub.assert_no_pending_responses()
        cfn_stub.assert_no_pending_responses()


def test_power_tuning_cli_by_stage_writes_json_and_chart(clients, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    lam_stub, cfn_stub = clients
    # --stage dev: the stacks [tool.lambda-kit] stage-stacks names, the function behind the HTTP API, the region of
    # its stack, the deployed function's name from the stack output naming it.
    cfn_stub.add_response("describe_stacks", fx.describe_stacks(), {"StackName": "shop-dev-service"})
    stub_sweep(lam_stub, [512, 1024], invocations=5, warmup=1)
    rc = run(
        power_tuning.main,
        [
            "--stage",
            "dev",
            "--memory-sizes",
            "512,1024",
            "--invocations",
            "5",
            "--poll-seconds",
            "0",
            "--out-dir",
            str(tmp_path),
            "--strategy",
            "speed",
            "--json",
        ],
    )
    assert rc == 0
    report = json.loads(capsys.readouterr().out)
    assert report["recommendation"]["memory_mb"] == 1024
    assert report["restored"] is True
    assert report["chart_path"].endswith(".png") and (tmp_path / report["chart_path"].split("/")[-1]).exists()
    assert json.loads(Path(report["json_path"]).read_text())["recommendation"]["strategy"] == "speed"


def test_cold_start_cli_table(clients, capsys: pytest.CaptureFixture[str]) -> None:
    lam_stub, cfn_stub = clients
    cfn_stub.add_response("describe_stacks", fx.describe_stacks(), {"StackName": "shop-dev-service"})
    env = {"TABLE_NAME": "items"}
    lam_stub.add_response("get_function_configuration", fx.configuration(env=env), {"FunctionName": fx.FUNCTION})
    lam_stub.add_response(  # the alias the template gives the function: its one alias, `live`
        "get_provisioned_concurrency_config",
        {
            "RequestedProvisionedConcurrentExecutions": 1,
            "AllocatedProvisionedConcurrentExecutions": 1,
            "Status": "READY",
        },
        {"FunctionName": fx.FUNCTION, "Qualifier": "live"},
    )
    lam_stub.add_response("invoke", fx.invoke_response(fx.ARM_WARM), fx.invoke_params("live"))
    lam_stub.add_response("update_function_configuration", fx.configuration(env=env))
    lam_stub.add_response("get_function", fx.get_function_response())
    lam_stub.add_response("invoke", fx.invoke_response(fx.ARM_COLD), fx.invoke_params("$LATEST"))
    lam_stub.add_response("invoke", fx.invoke_response(fx.ARM_WARM), fx.invoke_params("$LATEST"))
    lam_stub.add_response("get_function", fx.get_function_response())
    lam_stub.add_response(
        "update_function_configuration",
        fx.configuration(env=env),
        {"FunctionName": fx.FUNCTION, "Environment": {"Variables": env}},
    )
    lam_stub.add_response("get_function", fx.get_function_response())
    rc = run(cold_start.main, ["--stage", "dev", "--samples", "1", "--poll-seconds", "0"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "live (alias) n=1" in captured.out and "$LATEST cold (forced) n=1" in captured.out
    assert "388.9" in captured.out  # Init Duration from the REPORT line
    assert "provisioned concurrency 1/1 (READY)" in captured.out
    assert "configuration restored: yes" in captured.out


@pytest.mark.parametrize("module", [cold_start, power_tuning])
def test_help_is_fast_and_exits_zero(module, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        module.main(["--help"])
    assert exc.value.code == 0
    assert "--function-name" in capsys.readouterr().out


@pytest.mark.parametrize("module", [cold_start, power_tuning, cost])
def test_help_examples_are_printed_as_written_never_rewrapped(
    module, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")  # narrower than the examples
    with pytest.raises(SystemExit):
        module.main(["--help"])
    printed = capsys.readouterr().out.splitlines()
    for line in module.build_parser().epilog.splitlines():
        assert line in printed
