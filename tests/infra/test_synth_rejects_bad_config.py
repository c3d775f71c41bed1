"""`cdk synth` (app.py) refuses an invalid stage setting with a one-line message, not a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_app_exits_with_a_clear_message(tmp_path: Path) -> None:
    # CDK_CONTEXT_JSON is how the CLI hands `-c` flags to the app.
    env = {
        **os.environ,
        "CDK_OUTDIR": str(tmp_path),
        "CDK_CONTEXT_JSON": json.dumps({"stage": "prod", "prod.memory_mb": "99"}),
    }
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "invalid stage config: stage 'prod': memory_mb=99 is out of range: allowed 128–10240 MB"
    )
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.template.json"))
