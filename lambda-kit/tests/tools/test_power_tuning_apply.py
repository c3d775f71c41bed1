"""--apply: the recommendation written into cdk.json (only that value changes), the function restored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.stub import Stubber

import lambda_kit.tools.power_tuning.cli
from tests.tools import fixtures as fx
from tests.tools.stubbed_sweep import stub_sweep
from lambda_kit.tools import power_tuning
from lambda_kit.tools.aws import ToolError, run
from lambda_kit.tools.power_tuning.apply import apply_memory

REPO_CDK_JSON = Path(__file__).resolve().parents[3] / "cdk.json"


@pytest.fixture
def cdk_json(tmp_path: Path) -> Path:
    # The repository's cdk.json without its `stages` (a fork's has some; the test writes the first).
    data = json.loads(REPO_CDK_JSON.read_text())
    data["context"].pop("stages", None)
    path = tmp_path / "cdk.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
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


@pytest.mark.parametrize(
    ("stage", "memory", "message"),
    [("qa", 1024, "unknown stage 'qa'"), ("dev", 64, "outside 128..10240"), ("dev", 10241, "outside")],
)
def test_refuses_what_the_app_would_refuse(cdk_json: Path, stage: str, memory: int, message: str) -> None:
    before = cdk_json.read_text()
    with pytest.raises(ToolError, match=message):
        apply_memory(cdk_json, stage, memory)
    assert cdk_json.read_text() == before


def test_a_hand_formatted_file_is_not_rewritten(cdk_json: Path) -> None:
    cdk_json.write_text(json.dumps(json.loads(cdk_json.read_text()), indent=4))
    before = cdk_json.read_text()
    with pytest.raises(ToolError, match="by hand"):
        apply_memory(cdk_json, "dev", 1024)
    assert cdk_json.read_text() == before


def test_cli_apply_writes_cdk_json_and_says_to_deploy(
    cdk_json: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setattr(tools.power_tuning.cli, "CDK_JSON", cdk_json)
    lam = fx.lambda_client()
    monkeypatch.setattr(tools.power_tuning.cli, "client", lambda session, service: lam)
    with Stubber(lam) as stub:
        stub_sweep(stub, [512, 1024], invocations=5, warmup=1)
        argv = ["--function-name", fx.FUNCTION, "--stage", "dev", "--region", "ap-northeast-1", "--apply"]
        argv += ["--memory-sizes", "512,1024", "--invocations", "5", "--poll-seconds", "0", "--strategy", "speed"]
        argv += ["--out-dir", str(tmp_path), "--no-chart", "--no-progress"]
        assert run(power_tuning.main, argv) == 0
        stub.assert_no_pending_responses()  # the sweep ended with the memory restore
    out = capsys.readouterr().out
    assert json.loads(cdk_json.read_text())["context"]["stages"]["dev"]["memory_mb"] == 1024
    assert "stages.dev.memory_mb (default) -> 1024" in out and "make deploy STAGE=dev" in out
    assert '+        "memory_mb": 1024' in out


def test_cli_apply_needs_a_stage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run(power_tuning.main, ["--function-name", "f", "--apply"])
    assert exc.value.code == 2 and "--apply needs --stage" in capsys.readouterr().err
