"""cdk.json runs the app as ``python3 app.py`` with whatever ``python3`` the shell has: hand over to the
project's own interpreter (``.venv``, made by ``make setup``) and Node (``node_modules/.bin``), so
``npx cdk synth`` works in a plain shell without activating anything.

Pure Python (no aws_cdk import): it runs before aws_cdk can be imported.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
NODE_BIN = ROOT / "node_modules" / ".bin"


def use_project_node() -> None:
    """jsii (aws_cdk's import) starts Node: the project's supported LTS first on PATH, as the Makefile does."""
    if NODE_BIN.is_dir() and not os.environ.get("PATH", "").startswith(str(NODE_BIN)):
        os.environ["PATH"] = f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"


def use_project_interpreter() -> None:
    """Re-run this process with .venv's Python, or exit with one line saying how to create it."""
    use_project_node()
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    python = VENV / "bin" / "python"
    if python.exists():
        os.execv(python, [str(python), *sys.argv])
    sys.exit(f"{VENV} does not exist: run `make setup` first (it installs the pinned aws-cdk-lib there)")
