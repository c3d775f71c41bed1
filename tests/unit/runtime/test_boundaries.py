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


def test_each_tracer_is_touched_by_its_backend_module_only():
    # Functions call common.tracing; only the backend module of each tracer imports it, so a backend is
    # selected (or added) without touching a caller.
    # The otel backend is three modules, each imported by the one before it: the backend, its export, its encoder.
    common = "layers/common/python/common"
    assert importers_of("aws_xray_sdk") == {f"{common}/tracing_xray.py"}
    assert importers_of("opentelemetry") == {
        f"{common}/tracing_otel.py",
        f"{common}/tracing_otel_export.py",
        f"{common}/tracing_otlp.py",
    }
    assert importers_of("common.tracing_xray") == importers_of("common.tracing_otel") == {f"{common}/tracing.py"}
    assert importers_of("common.tracing_otel_export") == {f"{common}/tracing_otel.py"}
    assert importers_of("common.tracing_otlp") == {f"{common}/tracing_otel_export.py"}


def test_runtime_does_not_use_boto3():
    # Low-level botocore clients only: boto3 (and its resource layer) is cold-start time for nothing.
    assert importers_of("boto3") == set()


def test_no_relative_imports_in_the_runtime():
    # Absolute imports keep `common.logging` from ever being confused with the stdlib `logging`.
    for path in RUNTIME_FILES:
        tree = ast.parse(path.read_text(), str(path))
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level], path
