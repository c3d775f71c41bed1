"""Marks each test by its folder (unit / infra / integration / contract / docs / fork / policy) so `pytest -m unit` selects a kind."""

from __future__ import annotations

import pytest

from stacks.interpreter import use_project_node

# jsii starts Node when aws_cdk is imported: the project's supported LTS, also when pytest is run directly.
use_project_node()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.parts
        for kind in ("unit", "infra", "integration", "contract", "docs", "fork", "policy"):
            if kind in parts:
                item.add_marker(getattr(pytest.mark, kind))
