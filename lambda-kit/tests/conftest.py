"""What the kit's tests read: the fixture app (tests/fixtures/shop: its cloud assembly and its ``[tool.lambda-kit]``
table) and, for the tools that talk to AWS, an environment that resolves fake credentials and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_kit.assembly.app_model import AppModel
from lambda_kit.assembly.cloud_assembly import CloudAssembly

SHOP = Path(__file__).resolve().parent / "fixtures" / "shop"
FIXTURE = SHOP / "cdk.out"  # synthesized from tests/fixtures/shop/app.py: shop-dev-data, shop-dev-service


@pytest.fixture
def shop_project(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture app's folder as the working directory, as a project runs the kit's commands: its pyproject.toml's
    ``[tool.lambda-kit]`` (events, id field, payload, stage-stacks) and the default ``--assembly cdk.out``."""
    monkeypatch.chdir(SHOP)
    return SHOP


@pytest.fixture
def shop_model() -> AppModel:
    assembly = CloudAssembly(FIXTURE)
    return AppModel(assembly, assembly.select(["shop-*"]))  # the shop; gateway-probe is the gateway tests'


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake static credentials, no region and no profile from this machine: a region comes from a flag, the
    environment the test sets, or the stack."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
