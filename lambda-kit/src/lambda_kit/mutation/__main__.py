"""``lambda-kit mutation``: mutation-test the modules the project names and score them.

    lambda-kit mutation                                   # every module of the table
    lambda-kit mutation --modules 'src/pkg/*'            # some of them (globs on repository paths)

The table is the project's ``[tool.lambda-kit.mutation]`` (its ``pyproject.toml``, in the working directory)::

    [tool.lambda-kit.mutation]
    module-threshold = 0.90            # killed / non-equivalent mutants, in every module
    overall-threshold = 0.95           # the same over all the modules of a run
    equivalents = "mutation/equivalents.toml"
    targets = [
      { path = "src/pkg/*.py", tests = ["tests/unit"] },
      { path = "src/pkg/cli.py", tests = "unit", functions = ["main"], pending = "why" },
    ]
    test-groups.unit = ["tests/unit", "--ignore=tests/unit/test_slow.py"]

``path`` and ``tests`` are repository paths; globs are expanded at run time. Rows that share ``tests`` run in one
mutmut session. ``functions`` limits a row to some functions of a file (mutmut's names: ``analyze``,
``MemoryResult.failed``, ``MemoryResult.*``). ``tests`` may hold ``--ignore=PATH`` / ``--deselect=NODE_ID`` to
leave slow tests out, or name a list of ``test-groups``. A later row for the same file replaces an earlier one.

Exit status 1 when a module scores below the threshold, the run as a whole does, or a declared equivalent matches
no surviving mutant. The report is also written to .mutation/report.md.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import chdir
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from lambda_kit import config as kit_config
from lambda_kit.mutation import results, staging

WORK = ".mutation"
# Each mutant is a fresh pytest session (forked from a warm process): its fixed cost is most of the run. Without
# third-party plugin discovery (the unit tests use none) and the two plugins that gc.collect() twice per session
# to report unraisable exceptions (warnings, never a failure), it drops from ~0.9 s to ~0.2 s.
PYTEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
PYTEST_ARGS = ["-p", "no:cacheprovider", "-p", "no:unraisableexception", "-p", "no:threadexception"]
# A mutant may use (its tests' usual CPU time + 1 s) x this x 2 CPU seconds before mutmut stops it as a timeout, which
# counts as noticed. mutmut's default, 15, let a mutant that never ends (`value <<= 7` in a varint loop, whose tests
# take ~10 s) hold a worker for over five minutes; at 4 it still gets 8 times its tests' time.
TIMEOUT_MULTIPLIER = 4.0


class UsageError(ValueError):
    """The table or the module selection does not match the repository."""


class Target(NamedTuple):
    path: str
    tests: tuple[str, ...]  # paths (globs), or --ignore=PATH / --deselect=NODE_ID to leave slow tests out
    functions: tuple[str, ...] = ()
    pending: str = ""  # scored and reported, but not gating the run yet: why


class Table(NamedTuple):
    targets: tuple[Target, ...]
    module_threshold: float
    overall_threshold: float
    equivalents: Path


def load_table(config: kit_config.KitConfig) -> Table:
    section = config.section("mutation")
    if not section.get("targets"):
        raise UsageError(f"no [tool.lambda-kit.mutation] targets in {config.root / kit_config.CONFIG_FILE}")
    groups = section.get("test-groups", {})
    targets = []
    for t in section["targets"]:
        tests = groups.get(t["tests"]) if isinstance(t["tests"], str) else t["tests"]
        if tests is None:
            raise UsageError(
                f"[tool.lambda-kit.mutation]: {t['path']!r}: tests {t['tests']!r} names no test-groups entry"
            )
        targets.append(Target(str(t["path"]), tuple(tests), tuple(t.get("functions", ())), str(t.get("pending", ""))))
    return Table(
        tuple(targets),
        float(section.get("module-threshold", 0.90)),
        float(section.get("overall-threshold", 0.95)),
        config.root / str(section.get("equivalents", "mutation/equivalents.toml")),
    )


def _glob(repo: Path, pattern: str) -> list[str]:
    return sorted(str(PurePosixPath(p.relative_to(repo))) for p in repo.glob(pattern) if "__pycache__" not in p.parts)


def _test_args(repo: Path, entry: str) -> list[str]:
    return [entry] if entry.startswith("--") else _glob(repo, entry)


def expand(repo: Path, targets: Sequence[Target], selection: Sequence[str]) -> dict[str, Target]:
    """Repository path -> its row, for the rows' files that ``selection`` (globs; empty: all) picks."""
    chosen: dict[str, Target] = {}
    for target in targets:
        files = [f for f in _glob(repo, target.path) if f.endswith(".py")]
        if not files:
            raise UsageError(f"[tool.lambda-kit.mutation]: {target.path!r} matches no Python file: update the table")
        for test in target.tests:
            option, _, value = test.partition("=") if test.startswith("--") else ("", "", test)
            if option not in ("", "--ignore", "--deselect"):
                raise UsageError(
                    f"[tool.lambda-kit.mutation]: {target.path!r}: tests {test!r}: only --ignore/--deselect"
                )
            if not _glob(repo, value.partition("::")[0]):
                raise UsageError(f"[tool.lambda-kit.mutation]: {target.path!r}: tests {test!r} match nothing")
        chosen.update(dict.fromkeys(files, target))
    if not selection:
        return chosen
    for pattern in selection:
        if not any(fnmatch.fnmatch(path, pattern) for path in chosen):
            raise UsageError(f"--modules {pattern!r} matches no core module; they are:\n  " + "\n  ".join(chosen))
    return {p: t for p, t in chosen.items() if any(fnmatch.fnmatch(p, s) for s in selection)}


def name_patterns(module: str, functions: Sequence[str]) -> list[str]:
    """mutmut's mutant-name globs for the functions of ``module`` (all of them when ``functions`` is empty)."""
    if not functions:
        return [f"{module}.*"]
    patterns = []
    for function in functions:
        cls, _, method = function.rpartition(".")
        patterns.append(f"{module}.xǁ{cls}ǁ{method}__mutmut_*" if cls else f"{module}.x_{function}__mutmut_*")
    return patterns


def run_group(
    repo: Path, index: int, tests: tuple[str, ...], modules: dict[str, Target], max_children: int
) -> list[results.Mutant]:
    """One mutmut session in its own staging tree: these modules against these tests."""
    # Imported here, not at the top: they pull in libcst, which only a run needs (the unit tests import this module).
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    pyproject = staging.read_pyproject(repo)
    roots = staging.import_roots(pyproject)
    dest = repo / WORK / f"session-{index}"
    staging.build(repo, dest, staging.repository_files(repo), roots)
    flat = {path: staging.flat_path(path, roots) for path in modules}
    source_paths = sorted({PurePosixPath(f).parts[0] for f in flat.values()})
    config = {
        "source_paths": source_paths,
        "only_mutate": sorted(flat.values()),
        "also_copy": sorted(p.name for p in dest.iterdir() if p.name not in source_paths),
        "pytest_add_cli_args_test_selection": [t for pattern in tests for t in _test_args(repo, pattern)],
        "pytest_add_cli_args": PYTEST_ARGS,
        "use_git_change_detection": False,
        "timeout_multiplier": TIMEOUT_MULTIPLIER,
    }
    (dest / "pyproject.toml").write_text(staging.staging_pyproject(pyproject, config), encoding="utf-8")
    patterns = {
        path: name_patterns(staging.module_name(flat[path]), target.functions) for path, target in modules.items()
    }
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children)]
    command += [p for ps in patterns.values() for p in ps]
    log = dest / "mutmut.log"
    print(f"session {index}: {len(modules)} modules x {', '.join(tests)} (log: {log.relative_to(repo)})", flush=True)
    started = time.monotonic()
    with log.open("w") as out:
        # PYTHONPATH would put the original modules ahead of the mutated copies.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | PYTEST_ENV
        done = subprocess.run(command, cwd=dest, stdout=out, stderr=subprocess.STDOUT, env=env, check=False)
    print(f"session {index}: mutmut exited {done.returncode} after {time.monotonic() - started:.0f} s", flush=True)
    if done.returncode != 0:
        sys.stdout.write(log.read_text(errors="replace")[-4000:])
        raise SystemExit(f"mutmut failed (exit {done.returncode}); full log: {log}")
    mutants = []
    with chdir(dest):
        for path in modules:
            meta = dest / "mutants" / (flat[path] + ".meta")
            codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
            names = [n for n in sorted(codes) if any(fnmatch.fnmatchcase(n, p) for p in patterns[path])]
            if not names and defines_functions(repo / path):
                # A file mutmut could not parse, or a `functions` filter that no longer names anything.
                raise SystemExit(f"no mutant of {path} (its row's functions: {modules[path].functions}); see {log}")
            for name in names:
                status = status_by_exit_code[codes[name]]
                diff = "" if status in results.KILLED_STATUSES else get_diff_for_mutant(name, path=flat[path])
                mutants.append(results.Mutant(name, path, status, diff.replace(flat[path], path)))
    return mutants


def defines_functions(path: Path) -> bool:
    """Whether mutmut would mutate anything in the file: it skips decorated functions (a ``@property``, say)
    except ``@staticmethod``/``@classmethod``, so a file of data and properties has no mutant by design."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and all(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in node.decorator_list)
        and len(node.decorator_list) <= 1
        for node in ast.walk(tree)
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda-kit mutation", description=__doc__.split("\n")[0])
    repo = Path.cwd()
    parser.add_argument(
        "--modules",
        default=os.environ.get("MUTATION_MODULES", ""),
        help="comma-separated globs on repository paths (default: $MUTATION_MODULES, else every core module)",
    )
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2, help="parallel mutants")
    args = parser.parse_args(argv)
    selection = [s.strip() for s in args.modules.split(",") if s.strip()]
    try:
        table = load_table(kit_config.load(repo))
        modules = expand(repo, table.targets, selection)
        equivalents = results.load_equivalents(table.equivalents)
    except (UsageError, results.EquivalentsError, kit_config.ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    groups: dict[tuple[str, ...], dict[str, Target]] = {}
    for path, target in modules.items():
        groups.setdefault(target.tests, {})[path] = target
    started = time.monotonic()
    mutants = [
        m
        for i, (tests, group) in enumerate(groups.items())
        for m in run_group(repo, i, tests, group, args.max_children)
    ]
    report = results.score(
        mutants,
        equivalents,
        list(modules),
        module_threshold=table.module_threshold,
        # The overall threshold is over every module: a run of some (while writing their tests) gates per module.
        overall_threshold=None if selection else table.overall_threshold,
        pending={path: target.pending for path, target in modules.items() if target.pending},
    )
    text = results.render(report) + f"\n\n{len(mutants)} mutants in {time.monotonic() - started:.0f} s\n"
    (repo / WORK / "report.md").write_text(text, encoding="utf-8")
    print(text)
    return 1 if report.failures() else 0


if __name__ == "__main__":
    raise SystemExit(main())
