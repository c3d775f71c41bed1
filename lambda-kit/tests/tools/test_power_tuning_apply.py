"""--apply: the recommendation written into cdk.json at the context key [tool.lambda-kit.power-tuning] apply names
(only that value changes), the function restored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.stub import Stubber

from lambda_kit.tools import power_tuning
from lambda_kit.tools.aws import ToolError, run
from lambda_kit.tools.power_tuning.apply import apply_memory
from tests.tools import fixtures as fx
from tests.tools.stubbed_sweep import stub_sweep

# Hand-written: a cdk.json as `cdk init` lays it out (2-space JSON), with the context the fixture app synthesizes with
# (tests/fixtures/shop/app.py) and no stage settings yet.
CDK_JSON = {
    "app": "python3 app.py",
    "context": {"aws:cdk:enable-path-metadata": True, "@aws-cdk/core:explicitStackTags": True},
}


@pytest.fixture
def cdk_json(tmp_path: Path, shop_project: Path) -> Path:
    """A project's cdk.json, written by the kit from the project's folder (whose table names the key)."""
    path = tmp_path / "cdk.json"
    path.write_text(json.dumps(CDK_JSON, indent=2) + "\n")
    return path


def test_sets_the_stage_memory_and_changes_nothing_else(cdk_json: Path) -> None:
    before = cdk_json.read_text()
    previous, diff = apply_memory(cdk_json, "prod", 1536)
    after = cdk_json.read_text()
    assert previous is None
    assert json.loads(after)["context"]["stages"]["prod"] == {"memory_mb": 1536}
    removed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    context = json.loads(before)["context"]
    last_key = list(context)[-1]
    # Only the comma after the context's last key moves.
    assert [line[1:].strip() for line in removed] == [f"{json.dumps(last_key)}: {json.dumps(context[last_key])}"]
    # everything else byte for byte: remove the new block and the two texts are equal
    data = json.loads(after)
    del data["context"]["stages"]
    assert json.dumps(data, indent=2) + "\n" == before
    # a second run replaces the value in place
    assert apply_memory(cdk_json, "prod", 2048)[0] == 1536
    assert json.loads(cdk_json.read_text())["context"]["stages"]["prod"]["memory_mb"] == 2048


def test_other_settings_of_the_stage_are_kept(cdk_json: Path) -> None:
    data = json.loads(cdk_json.read_text())
    data["context"]["stages"] = {"staging": {"extends": "prod", "memory_mb": 512, "log_level": "DEBUG"}}
    cdk_json.write_text(json.dumps(data, indent=2) + "\n")
    assert apply_memory(cdk_json, "staging", 1024)[0] == 512
    assert json.loads(cdk_json.read_text())["context"]["stages"]["staging"] == {
        "extends": "prod",
        "memory_mb": 1024,
        "log_level": "DEBUG",
    }


@pytest.mark.parametrize(("memory", "message"), [(64, "outside 128..10240"), (10241, "outside")])
def test_refuses_a_memory_size_lambda_refuses(cdk_json: Path, memory: int, message: str) -> None:
    before = cdk_json.read_text()
    with pytest.raises(ToolError, match=message):
        apply_memory(cdk_json, "dev", memory)
    assert cdk_json.read_text() == before


def test_without_the_key_in_the_table_nothing_is_written(
    cdk_json: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = cdk_json.read_text()
    monkeypatch.chdir(tmp_path)  # a project whose pyproject.toml names no key
    with pytest.raises(ToolError, match=r"--apply needs \[tool.lambda-kit.power-tuning\] apply"):
        apply_memory(cdk_json, "dev", 1024)
    assert cdk_json.read_text() == before


def test_a_hand_formatted_file_is_not_rewritten(cdk_json: Path) -> None:
    cdk_json.write_text(json.dumps(json.loads(cdk_json.read_text()), indent=4))
    before = cdk_json.read_text()
    with pytest.raises(ToolError, match="by hand"):
        apply_memory(cdk_json, "dev", 1024)
    assert cdk_json.read_text() == before


def test_cli_apply_writes_cdk_json_and_says_to_deploy(
    cdk_json: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], aws_env: None
) -> None:
    monkeypatch.setattr(power_tuning.cli, "CDK_JSON", cdk_json)
    lam = fx.lambda_client()
    monkeypatch.setattr(power_tuning.cli, "client", lambda session, service: lam)
    with Stubber(lam) as stub:
        stub_sweep(stub, [512, 1024], invocations=5, warmup=1)
        argv = ["--function-name", fx.FUNCTION, "--stage", "dev", "--region", "ap-northeast-1", "--apply"]
        argv += ["--memory-sizes", "512,1024", "--invocations", "5", "--poll-seconds", "0", "--strategy", "speed"]
        argv += ["--out-dir", str(tmp_path), "--no-chart", "--no-progress"]
        assert run(power_tuning.main, argv) == 0
        stub.assert_no_pending_responses()  # the sweep ended with the memory restore
    out = capsys.readouterr().out
    assert json.loads(cdk_json.read_text())["context"]["stages"]["dev"]["memory_mb"] == 1024
    assert "stages.dev.memory_mb (default) -> 1024" in out and "deploy stage dev to apply it" in out
    assert '+        "memory_mb": 1024' in out


def test_cli_apply_needs_a_stage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run(power_tuning.main, ["--function-name", "f", "--apply"])
    assert exc.value.code == 2 and "--apply needs --stage" in capsys.readouterr().err


def test_cli_apply_without_the_key_in_the_table_stops_before_the_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], aws_env: None
) -> None:
    monkeypatch.chdir(tmp_path)  # a project whose pyproject.toml names no key
    lam = fx.lambda_client()
    monkeypatch.setattr(power_tuning.cli, "client", lambda session, service: lam)
    payload = tmp_path / "event.json"
    payload.write_text("{}")
    argv = ["--function-name", fx.FUNCTION, "--stage", "dev", "--region", "ap-northeast-1", "--apply"]
    with Stubber(lam):  # no response stubbed: any call to Lambda fails the test
        assert run(power_tuning.main, [*argv, "--payload", str(payload), "--no-progress"]) == 1
    assert "--apply needs [tool.lambda-kit.power-tuning] apply" in capsys.readouterr().err
