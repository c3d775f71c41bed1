"""The kit reads an app through its cloud assembly and its ``[tool.lambda-kit]`` table, never its Python: every
module of the kit imports only the standard library, the kit itself, and the distributions its pyproject.toml
declares. A module that imports a project's code (``stacks``, a function package such as ``orders``, a layer's
``common``) fails here, whatever the project calls them."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

KIT = Path(__file__).resolve().parents[1]
SOURCES = KIT / "src" / "lambda_kit"
# Modules that run inside a function's process, next to the function's own code: they may import what Lambda's
# Python runtime ships (boto3, botocore, awslambdaric), and they do not import the kit.
RUNTIME_SIDE = SOURCES / "local" / "runtime_dir"


def declared() -> set[str]:
    project = tomllib.loads((KIT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"].values()
    requirements = [*project["dependencies"], *(r for extra in extras for r in extra)]
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_kit_module_imports_only_the_stdlib_itself_and_its_declared_dependencies() -> None:
    providers = packages_distributions()  # import name -> the distributions that provide it
    allowed = declared()
    strays: dict[str, list[str]] = {}
    for path in sorted(SOURCES.rglob("*.py")):
        for name in imported(path) - set(sys.stdlib_module_names) - {"lambda_kit", "__future__"}:
            if not {canonicalize_name(d) for d in providers.get(name, [])} & allowed:
                strays.setdefault(str(path.relative_to(KIT)), []).append(name)
    assert strays == {}, f"imports of what the kit does not declare (a project's code?): {strays}"


def test_the_check_sees_an_import_of_a_projects_code(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from stacks.naming import ALIAS_NAME\nimport orders.validation\nfrom . import sibling\n")
    assert imported(module) == {"stacks", "orders"}
    assert not {canonicalize_name(d) for d in packages_distributions().get("stacks", [])} & declared()


def test_the_kit_names_no_project_path() -> None:
    """Nor reaches a project's files by a path written into it: they come from the command line or the table."""
    written = re.compile(r"""["'](lambda_src|layers/common|stacks)/""")
    offenders = [
        str(path.relative_to(KIT)) for path in SOURCES.rglob("*.py") if written.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
