"""The newer kit of the upgrade test (tests/fork/kit_upgrade.patch) still applies to this checkout's kit: a change to
a file it patches breaks it, and make test says so at once rather than make test-docs after a clone and a setup."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _check(*reverse: str) -> subprocess.CompletedProcess[str]:
    command = ["git", "apply", "--check", *reverse, "tests/fork/kit_upgrade.patch"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_the_upgrade_patch_applies_to_the_kit_as_it_is() -> None:
    check = _check()
    # Or it is applied already: these tests also run in the upgraded copy (tests/fork/test_kit_upgrade.py).
    assert check.returncode == 0 or _check("--reverse").returncode == 0, (
        f"regenerate tests/fork/kit_upgrade.patch (a version bump, --repeat): {check.stderr}"
    )
