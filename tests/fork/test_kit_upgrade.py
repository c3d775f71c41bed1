"""A fork takes a newer kit without merging the template (lambda-kit/README.md "Install, pin, upgrade"): in a copy
of the repository whose lambda-kit/ is replaced by a newer version (tests/fork/kit_upgrade.patch: a version bump and
a changed command), installed into a venv of its own as `make setup` installs it, the template's tests pass
unchanged and the newer kit is the one that ran (make test-docs)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lambda_kit.docs.scratch import plain_env, scratch_clone

PATCH = Path(__file__).with_name("kit_upgrade.patch")
NEWER = "0.2.0"


def _run(cwd: Path, *command: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), cwd=cwd, env=plain_env(), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clone = scratch_clone(tmp_path_factory.mktemp("upgrade") / "clone")
    applied = _run(clone, "git", "apply", str(PATCH))
    assert applied.returncode == 0, applied.stderr
    # Its own venv, so the kit it runs is the clone's (the scratch clone links this checkout's, whose kit is ours).
    (clone / ".venv").unlink()
    setup = _run(clone, "make", "setup")
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    return clone


def test_the_newer_kit_is_installed(upgraded: Path) -> None:
    assert _run(upgraded, ".venv/bin/lambda-kit", "--version").stdout.strip() == f"lambda-kit {NEWER}"
    assert "--repeat" in _run(upgraded, ".venv/bin/lambda-kit", "local", "--help").stdout  # its changed command
    diff = _run(upgraded, "git", "diff", "--stat").stdout
    assert "lambda-kit/" in diff and not any(
        line.split("|")[0].strip() and not line.strip().startswith("lambda-kit/") for line in diff.splitlines()[:-1]
    ), diff  # only the kit's folder changed: the template is untouched


def test_the_templates_tests_pass_with_it(upgraded: Path) -> None:
    result = _run(upgraded, ".venv/bin/pytest", "-q", "-p", "no:cacheprovider", "tests/unit", "tests/contract")
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in summary and not any(word in summary for word in ("failed", "error", "skipped")), summary
