"""Marks each test by its folder (unit / infra / integration / contract) so `pytest -m unit` selects a kind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# jsii starts Node when aws_cdk is imported: use the project's supported Node LTS (node_modules/.bin)
# like the Makefile does, also when pytest is run directly.
_node_bin = ROOT / "node_modules" / ".bin"
if _node_bin.is_dir() and not os.environ.get("PATH", "").startswith(str(_node_bin)):
    os.environ["PATH"] = f"{_node_bin}{os.pathsep}{os.environ.get('PATH', '')}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.parts
        for kind in ("unit", "infra", "integration", "contract"):
            if kind in parts:
                item.add_marker(getattr(pytest.mark, kind))
