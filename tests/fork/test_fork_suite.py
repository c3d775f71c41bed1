"""A fork's first step, tested: in a copy whose cdk.json names another project and adds a stage, the
infra suite and the unit tests pass unchanged, and the kit finds the fork's stacks (make test-docs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lambda_kit.docs.scratch import plain_env, scratch_clone

FORK_NAME = "shop-orders"
ADDED_STAGE = {"staging": {"extends": "prod", "provisioned_concurrency": 1, "pc_max": 2, "pc_business_hours_min": 0}}


@pytest.fixture(scope="module")
def fork(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clone = scratch_clone(tmp_path_factory.mktemp("fork") / "clone")
    cdk_json = json.loads((clone / "cdk.json").read_text())
    cdk_json["context"] |= {"project_name": FORK_NAME, "stages": ADDED_STAGE}
    (clone / "cdk.json").write_text(json.dumps(cdk_json, indent=2) + "\n")
    return clone


def _python(clone: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=clone, env=plain_env(), capture_output=True, text=True, timeout=timeout
    )


def test_the_copy_is_the_fork(fork: Path) -> None:
    probe = "from stacks.project import load_project; p = load_project(); print(p.name, *p.stages)"
    assert _python(fork, "-c", probe).stdout.split() == [FORK_NAME, "dev", "prod", "staging"]


def test_the_kit_finds_the_fork_stacks(fork: Path) -> None:
    """`make routes-table` in the fork: a synth of the added stage, read by the kit through `--stage`."""
    result = subprocess.run(
        ["make", "routes-table", "STAGE=staging"],
        cwd=fork,
        env=plain_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "lambda-kit routes --stage staging --write" in result.stdout
    manifest = json.loads((fork / "cdk.out" / "manifest.json").read_text())
    assert {f"{FORK_NAME}-staging-data", f"{FORK_NAME}-staging-service"} <= set(manifest["artifacts"])
    # The documents now show staging's table; the suites below check them against dev's, as committed.
    subprocess.run(["git", "checkout", "--", "docs"], cwd=fork, check=True, capture_output=True)


def test_infra_and_unit_suites_pass_unchanged_under_the_fork_name(fork: Path) -> None:
    result = _python(fork, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/infra", "tests/unit", timeout=900)
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in summary and not any(word in summary for word in ("failed", "error", "skipped")), summary
