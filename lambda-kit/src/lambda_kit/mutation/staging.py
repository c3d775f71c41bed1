"""A copy of the repository laid out the way mutmut needs it, built fresh for every run.

mutmut names a mutant after its file's path and checks that name against the module that the tests import. Here
Lambda's import roots (pytest's ``pythonpath``: ``lambda_src``, ``layers/common/python``) make
``lambda_src/orders/app.py`` the module ``orders.app``; in the staging tree the packages of every import root
are also top-level directories (``orders/``, ``common/``), so path and module name agree. The originals stay in
place for tests that read files by path; they are not importable there (``pythonpath = ["."]``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any


class StagingError(RuntimeError):
    """The repository cannot be staged as configured (e.g. two import roots define the same package)."""


def import_roots(pyproject: dict[str, Any]) -> list[str]:
    """pytest's ``pythonpath`` (the directories Lambda puts on ``sys.path``), ``.`` excluded; longest first."""
    paths = pyproject.get("tool", {}).get("pytest", {}).get("ini_options", {}).get("pythonpath", [])
    roots = {str(PurePosixPath(p)) for p in paths} - {"."}
    return sorted(roots, key=lambda r: (-len(PurePosixPath(r).parts), r))


def flat_path(path: str, roots: Sequence[str]) -> str:
    """``lambda_src/orders/app.py`` -> ``orders/app.py`` (the path under its import root)."""
    pure = PurePosixPath(path)
    for root in roots:
        if pure.is_relative_to(root):
            return str(pure.relative_to(root))
    return str(pure)


def module_name(flat: str) -> str:
    """``orders/app.py`` -> ``orders.app`` (mutmut's module name for the file)."""
    return str(PurePosixPath(flat).with_suffix("")).replace("/", ".")


def repository_files(repo: Path) -> list[str]:
    """Tracked and new (not ignored) files: what a commit of the work tree would hold."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=repo,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return sorted(name for name in listing.split("\0") if name and (repo / name).is_file())


def _toml_value(value: Any) -> str:
    # Strings and lists of strings/numbers/booleans: their JSON spelling is valid TOML.
    return json.dumps(value, ensure_ascii=False)


def staging_pyproject(pyproject: dict[str, Any], mutmut: dict[str, Any]) -> str:
    """The staging tree's pyproject.toml: the project's pytest options with every package top-level, and mutmut's."""
    pytest_options = dict(pyproject.get("tool", {}).get("pytest", {}).get("ini_options", {}))
    pytest_options["pythonpath"] = ["."]
    lines = ["[tool.pytest.ini_options]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in pytest_options.items()]
    lines += ["", "[tool.mutmut]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in mutmut.items()]
    return "\n".join(lines) + "\n"


def build(repo: Path, dest: Path, files: Iterable[str], roots: Sequence[str]) -> list[str]:
    """Copy ``files`` from ``repo`` to ``dest`` and lift each import root's packages to the top.

    Returns the top-level names that came from import roots (``orders``, ``common``).
    """
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, target)
    lifted: list[str] = []
    for root in roots:
        root_dir = dest / root
        if not root_dir.is_dir():
            continue
        for entry in sorted(root_dir.iterdir()):
            top = dest / entry.name
            if top.exists():
                raise StagingError(
                    f"{root}/{entry.name} and {entry.name} would both be the top-level {entry.name!r}: "
                    "two import roots (pyproject's pytest pythonpath) define the same name"
                )
            if entry.is_dir():
                shutil.copytree(entry, top)
            else:
                shutil.copy2(entry, top)
            lifted.append(entry.name)
    return lifted


def read_pyproject(repo: Path) -> dict[str, Any]:
    return tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
