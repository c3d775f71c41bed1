"""``lambda-kit hops`` on the fixture app: every hop its templates declare, and a hop whose policy allows more
than it should refused in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lambda_kit.access.hops import main
from tests.conftest import FIXTURE


def test_the_fixture_apps_hops(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--assembly", str(FIXTURE), "--stack", "shop-dev-*"]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    routes = sorted(row.split(" | ")[1] for row in rows if "apigateway.amazonaws.com" in row)
    assert routes == ["route * /hello", "route * /items", "route * /items/{id}"]  # CDK's any-method permissions
    assert any("custom resource Settings/CustomResource | bucket Config |" in row for row in rows)


def test_a_permission_for_any_api_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = shutil.copytree(FIXTURE, tmp_path / "cdk.out")
    path = copy / "shop-dev-service.template.json"
    template = json.loads(path.read_text())
    permission = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Permission")
    del permission["Properties"]["SourceArn"]
    path.write_text(json.dumps(template))
    assert main(["--assembly", str(copy), "--stack", "shop-dev-service"]) == 1
    assert "any API in any account could invoke" in capsys.readouterr().err
