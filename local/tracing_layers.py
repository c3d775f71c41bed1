"""What a function of each tracing backend sees on ``sys.path`` locally: its stage's dependencies layer.

The layer is built as Lambda gets it (stacks/constructs/dependencies_layer.py): exactly the distributions of
``layers/dependencies/<backend>/requirements.txt``, package directories *and* ``.dist-info`` (OpenTelemetry
reads package metadata) — here as links into this venv, which pins the same versions
(tests/unit/runtime/test_dependency_pins.py). ``off`` has no layer. Use with ``local.lambda_process``:
``LambdaProcess(env, paths=function_paths(backend))`` and ``backend_env(backend)`` in the environment.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from importlib.metadata import distribution
from pathlib import Path

from local.lambda_process import lambda_site_paths
from stacks.tracing_backends import pinned_distributions


def _top_level_entries(name: str) -> set[Path]:
    """site-packages entries of a distribution: its packages/modules and its .dist-info directory."""
    dist = distribution(name)
    entries = set()
    for file in dist.files or ():
        top = file.parts[0]
        if top not in ("..", "__pycache__"):
            entries.add(Path(str(dist.locate_file(top))))
    return entries


def dependency_layer_path(backend: str) -> Path:
    """A directory holding links to the backend's distributions in this venv (made once per venv)."""
    env_id = hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / f"lambda-deep-dive-site-{os.getuid()}-{env_id}" / f"layer-{backend}"
    target.mkdir(parents=True, exist_ok=True)
    for name in pinned_distributions(backend):
        for source in _top_level_entries(name):
            link = target / source.name
            if link.is_symlink() and link.resolve() != source.resolve():
                link.unlink()
            if not link.is_symlink():
                with contextlib.suppress(FileExistsError):  # another process made the same link meanwhile
                    link.symlink_to(source)
    return target


def function_paths(backend: str) -> list[str]:
    """sys.path of a function whose stage has ``tracing=backend``: task root, common layer, dependencies
    layer (none for ``off``), runtime."""
    *code, runtime = lambda_site_paths(with_dependencies_layer=False)
    layer = [str(dependency_layer_path(backend))] if pinned_distributions(backend) else []
    return [*code, *layer, runtime]


def backend_env(backend: str) -> dict[str, str]:
    """The variable the stack sets on the function (stacks/constructs/orders_function.py)."""
    return {"TRACING": backend}
