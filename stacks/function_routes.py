"""A function's HTTP routes, read from its own declaration (``lambda_src/<package>/api_routes.py``).

The declaration is pure data (standard library only), loaded from its file so neither the CDK app nor the
local tools import the function's package or its runtime dependencies. No aws_cdk import here either.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

FUNCTIONS_DIR = Path(__file__).resolve().parents[1] / "lambda_src"


class DeclaredRoute(NamedTuple):
    method: str
    path: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def load_declaration(source: Path, what: str) -> ModuleType:
    """The module at ``source`` (a function's pure-data declaration), loaded from its file without importing the
    function's package; ``what`` says what it declares, for the error when it is missing."""
    if not source.is_file():
        raise FileNotFoundError(f"no {what} declaration at {source}: every API function has one")
    spec = importlib.util.spec_from_file_location(f"_declared_{source.parent.name}_{source.stem}", source)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"no {what} declaration at {source}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def declared_routes(package: str, functions_dir: Path = FUNCTIONS_DIR) -> tuple[DeclaredRoute, ...]:
    """The routes ``<functions_dir>/<package>/api_routes.py`` declares in its ``ROUTES``, in order."""
    source = functions_dir / package / "api_routes.py"
    module = load_declaration(source, "route")
    routes = tuple(DeclaredRoute(str(route.method), str(route.path)) for route in module.ROUTES)
    if not routes:
        raise ValueError(f"{source}: ROUTES declares no route")
    return routes
