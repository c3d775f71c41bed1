"""`make adot-check`: AWS's own OTLP/UDP exporter (aws-opentelemetry-distro, in its own venv .venv-adot, which the
Makefile builds from requirements-adot.lock) against the local receiver and the otel backend, both ways."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADOT_PYTHON = ROOT / ".venv-adot" / "bin" / "python"
ADOT_SIDE = Path(__file__).with_name("adot_side.py")


def run_adot(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Any:
    """``adot_side.py`` in the ADOT venv; its JSON output."""
    if not ADOT_PYTHON.exists():
        pytest.fail(f"{ADOT_PYTHON} is missing: run `make adot-check`, which builds it from requirements-adot.lock")
    result = subprocess.run(
        [str(ADOT_PYTHON), str(ADOT_SIDE), *args],
        env=env or {},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
