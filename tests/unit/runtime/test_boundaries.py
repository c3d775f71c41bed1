"""Structural rules of the runtime code that a fork relies on."""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
RUNTIME_FILES = sorted((REPO / "lambda_src").rglob("*.py")) + sorted((REPO / "layers/common/python").rglob("*.py"))


def imported_modules(path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def importers_of(prefix):
    return {
        str(path.relative_to(REPO))
        for path in RUNTIME_FILES
        for module in imported_modules(path)
        if module == prefix or module.startswith(prefix + ".")
    }


def test_only_common_tracing_touches_the_xray_sdk():
    # Swapping X-Ray for OpenTelemetry must be a change to one file.
    assert importers_of("aws_xray_sdk") == {"layers/common/python/common/tracing.py"}


def test_runtime_does_not_use_boto3():
    # Low-level botocore clients only: boto3 (and its resource layer) is cold-start time for nothing.
    assert importers_of("boto3") == set()


def test_no_relative_imports_in_the_runtime():
    # Absolute imports keep `common.logging` from ever being confused with the stdlib `logging`.
    for path in RUNTIME_FILES:
        tree = ast.parse(path.read_text(), str(path))
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level], path
