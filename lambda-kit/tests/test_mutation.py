"""lambda-kit mutation: the table ([tool.lambda-kit.mutation]), staging layout, equivalents matching, scores and
thresholds, and a whole run of mutmut on a small repository made for the test."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from lambda_kit import config as kit_config
from lambda_kit.mutation import results, staging
from lambda_kit.mutation.__main__ import (
    Target,
    UsageError,
    defines_functions,
    expand,
    load_table,
    main,
    name_patterns,
)
from lambda_kit.mutation.results import Equivalent, Mutant

KIT = Path(__file__).resolve().parents[1]

# A repository as a project that uses the kit lays it out (hand-written for these tests): a package under an import
# root (src/), tests that cover it, a slow test the table leaves out, and the table in its pyproject.toml.
REPOSITORY = {
    "pyproject.toml": """\
[tool.pytest.ini_options]
pythonpath = [".", "src"]
addopts = "-ra"

[tool.lambda-kit.mutation]
module-threshold = 0.90
overall-threshold = 0.95
equivalents = "mutation/equivalents.toml"
test-groups.fast = ["tests", "--ignore=tests/test_slow.py"]
targets = [
  { path = "src/calc/*.py", tests = "fast" },
  { path = "src/calc/text.py", tests = ["tests/test_text.py"], pending = "being written" },
]
""",
    "src/calc/__init__.py": "",
    "src/calc/limits.py": """\
def magnitude(x: int) -> int:
    if x >= 0:
        return x
    return -x


def discount(total: int) -> int:
    return total // 10 if total > 100 else 0
""",
    "src/calc/text.py": 'def shout(text: str) -> str:\n    return text.upper() + "!"\n',
    "tests/test_limits.py": """\
from calc.limits import discount, magnitude


def test_magnitude():
    assert magnitude(-3) == 3 and magnitude(4) == 4


def test_discount():
    assert discount(1000) == 100 and discount(50) == 0
""",
    # Kills every mutant of discount the fast tests leave: left out of the run by the table's --ignore.
    "tests/test_slow.py": """\
from calc.limits import discount


def test_discount_at_the_boundary():
    assert discount(100) == 0 and discount(101) == 10 and discount(1009) == 100
""",
    "tests/test_text.py": 'from calc.text import shout\n\n\ndef test_shout():\n    assert shout("a") == "A!"\n',
    "mutation/equivalents.toml": """\
[[equivalent]]
module = "src/calc/limits.py"
function = "magnitude"
line = "if x >= 0:"
operator = ">= -> >"
reason = "At 0 both branches return 0."

[[equivalent]]
module = "src/calc/limits.py"
function = "magnitude"
line = "if x >= 0:"
operator = "0 -> 1"
reason = "For integers, x >= 1 differs from x >= 0 only at 0, where both branches return 0."
""",
    ".gitignore": ".mutation/\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name, text in REPOSITORY.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    subprocess.run(["git", "init", "--quiet", str(root)], check=True)
    return root


DIFF = """--- layers/common/python/common/config_cache.py
+++ layers/common/python/common/config_cache.py
@@ -1,6 +1,6 @@
 def get(self) -> T:
     now = self._clock()
-    if self._value is _EMPTY or now >= self._expires_at:
+    if self._value is _EMPTY or now > self._expires_at:
         value = self._load()  # raises on failure: nothing cached
"""
CACHE = "layers/common/python/common/config_cache.py"
CACHE_LINE = "if self._value is _EMPTY or now >= self._expires_at:"


def mutant(number: int, status: str = "survived", diff: str = DIFF, path: str = CACHE) -> Mutant:
    return Mutant(f"common.config_cache.xǁTtlCacheǁget__mutmut_{number}", path, status, diff)


def equivalent(**changes: str) -> Equivalent:
    fields = {"module": CACHE, "function": "TtlCache.get", "line": CACHE_LINE, "operator": ">= -> >", "reason": "r"}
    return Equivalent(**{**fields, **changes})


def score(mutants, equivalents=(), modules=(CACHE,), pending=None, overall_threshold=0.95):
    return results.score(
        mutants, equivalents, list(modules), module_threshold=0.9, overall_threshold=overall_threshold, pending=pending
    )


# --- naming and diffs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("common.http.x__body_bytes__mutmut_26", ("common.http", "_body_bytes")),
        ("common.http.xǁRequestErrorǁ__init____mutmut_1", ("common.http", "RequestError.__init__")),
        ("stacks.stage_config.x_validate__mutmut_120", ("stacks.stage_config", "validate")),
    ],
)
def test_mutant_names_give_module_and_function(name, expected):
    assert results.function_of(name) == expected


def test_a_name_that_is_not_mutmuts_is_refused():
    with pytest.raises(ValueError, match="not a mutmut mutant name"):
        results.function_of("common.http.json_body")


@pytest.mark.parametrize(
    ("original", "mutated", "expected"),
    [
        (CACHE_LINE, CACHE_LINE.replace(">=", ">"), ">= -> >"),
        (
            'encoded = event.get("isBase64Encoded", False)',
            'encoded = event.get("isBase64Encoded", None)',
            "False -> None",
        ),
        ('encoded = event.get("isBase64Encoded", False)', 'encoded = event.get("isBase64Encoded", )', "False -> ∅"),
        ('text = raw.decode("utf-8")', 'text = raw.decode("UTF-8")', '"utf-8" -> "UTF-8"'),
        ("return a + b", "return a - b", "+ -> -"),
        ("x = 1", "x = 1", "∅ -> ∅"),
    ],
)
def test_operator_is_the_changed_tokens(original, mutated, expected):
    assert results.operator(original, mutated) == expected


def test_mutant_reads_line_and_operator_from_its_diff():
    m = mutant(1)
    assert (m.function, m.line, m.operator) == ("TtlCache.get", CACHE_LINE, ">= -> >")


# --- equivalents ---------------------------------------------------------------------------------------------------


def test_equivalent_matches_module_function_line_and_operator_exactly():
    m = mutant(1)
    assert equivalent().matches(m)
    for change in (
        {"module": "lambda_src/orders/limits.py"},
        {"function": "TtlCache.invalidate"},
        {"line": CACHE_LINE.replace("now", "then")},
        {"operator": ">= -> =="},
    ):
        assert not equivalent(**change).matches(m), change


def test_declared_equivalent_is_left_out_of_the_score():
    report = score(
        [mutant(1), mutant(2, "killed", "")] + [mutant(n, "killed", "") for n in range(3, 11)], [equivalent()]
    )
    (module,) = report.modules
    assert (module.killed, module.equivalent, module.survivors, module.score) == (9, 1, [], 1.0)
    assert report.failures() == []


def test_equivalent_that_matches_nothing_fails_the_run():
    report = score([mutant(1, "killed", "")], [equivalent()])
    assert report.modules[0].score == 1.0
    (problem,) = report.failures()
    assert problem.startswith("declared equivalent matches no surviving mutant") and CACHE_LINE in problem


def test_equivalent_that_matches_two_mutants_is_ambiguous():
    report = score([mutant(1), mutant(2)], [equivalent()])
    assert any("matches 2 mutants" in p for p in report.failures())


def test_equivalents_of_modules_outside_the_run_are_not_checked():
    report = score(
        [mutant(1, "killed", "", path="stacks/stage_config.py")], [equivalent()], modules=["stacks/stage_config.py"]
    )
    assert report.failures() == []


def test_the_kits_own_table_and_equivalents_are_valid(tmp_path):
    table = load_table(kit_config.load(KIT))  # lambda-kit mutation, run from the kit's folder
    modules = expand(KIT, table.targets, [])
    assert "src/lambda_kit/tools/pricing.py" in modules
    for entry in results.load_equivalents(table.equivalents):
        assert entry.reason.strip() and entry.module in modules
    bad = tmp_path / "equivalents.toml"
    bad.write_text('[[equivalent]]\nmodule = "stacks/stage_config.py"\nfunction = "validate"\n')
    with pytest.raises(results.EquivalentsError, match="missing \\['line', 'operator', 'reason'\\]"):
        results.load_equivalents(bad)


# --- scores and thresholds -----------------------------------------------------------------------------------------


def test_scores_per_module_and_overall_against_the_thresholds():
    other = "stacks/stage_config.py"
    mutants = [mutant(n, "killed", "") for n in range(9)] + [mutant(9, "no tests")]
    mutants += [mutant(n, "timeout", "", path=other) for n in range(10)]
    report = score(mutants, modules=[CACHE, other])
    assert [(m.path, m.score) for m in report.modules] == [(CACHE, 0.9), (other, 1.0)]
    assert report.score == 0.95 and report.failures() == []  # both thresholds are inclusive
    report = score([*mutants, mutant(10, "survived")], modules=[CACHE, other])
    assert report.failures() == [f"{CACHE}: 81.8% < 90.0%", "overall: 90.5% < 95.0%"]


def test_a_run_of_some_modules_gates_each_module_only():
    # 92 % and 93 %: each above the module threshold, together below the overall one.
    other = "stacks/stage_config.py"
    mutants = [mutant(n, "killed", "") for n in range(23)] + [mutant(23, "survived"), mutant(24, "survived")]
    mutants += [mutant(n, "killed", "", path=other) for n in range(93)] + [
        mutant(n, "survived", path=other) for n in range(93, 100)
    ]
    assert score(mutants, modules=[CACHE, other]).failures() == ["overall: 92.8% < 95.0%"]
    subset = score(mutants, modules=[CACHE, other], overall_threshold=None)
    assert subset.failures() == []
    assert "PASSED: every gating module >= 90.0%\n" in results.render(subset) + "\n"


def test_a_pending_module_is_reported_but_does_not_gate():
    other = "stacks/stage_config.py"
    mutants = [mutant(1), *(mutant(n, "killed", "", path=other) for n in range(2, 12))]
    report = score(mutants, modules=[CACHE, other], pending={CACHE: "issue 9 rewrites it"})
    assert report.modules[0].score == 0.0 and report.score == 1.0 and report.failures() == []
    text = results.render(report)
    assert f"| {CACHE}" in text and "| no: issue 9 rewrites it |" in text
    assert "PASSED: every gating module >= 90.0%, together >= 95.0% (1 pending modules not gating)" in text
    assert "### common.config_cache.xǁTtlCacheǁget__mutmut_1" in text  # its survivors are still listed


@pytest.mark.parametrize("status", ["survived", "no tests", "suspicious", "skipped"])
def test_only_a_noticed_mutant_counts_as_killed(status):
    assert score([mutant(1, status)]).modules[0].survivors == [mutant(1, status)]


def test_a_mutant_left_unchecked_fails_the_run():
    assert any("not checked" in p for p in score([mutant(1, "not checked")]).failures())


def test_report_lists_each_survivor_with_its_diff():
    text = results.render(score([mutant(1)] + [mutant(n, "killed", "") for n in range(2, 5)]))
    assert f"| {CACHE} |      3 |          0 |        1 |  75.0% | yes |" in text
    assert "### common.config_cache.xǁTtlCacheǁget__mutmut_1 (survived; >= -> >)" in text
    assert DIFF.strip() in text and "FAILED:" in text


# --- the table and the staging tree --------------------------------------------------------------------------------


def test_the_table_comes_from_the_projects_pyproject(repo):
    table = load_table(kit_config.load(repo))
    assert table.targets == (
        Target("src/calc/*.py", ("tests", "--ignore=tests/test_slow.py")),  # its test-groups entry
        Target("src/calc/text.py", ("tests/test_text.py",), pending="being written"),
    )
    assert (table.module_threshold, table.overall_threshold) == (0.90, 0.95)
    assert table.equivalents == repo / "mutation" / "equivalents.toml"
    assert [e.operator for e in results.load_equivalents(table.equivalents)] == [">= -> >", "0 -> 1"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("", r"no \[tool.lambda-kit.mutation\] targets in .+pyproject.toml"),
        (
            'targets = [{ path = "src/calc/*.py", tests = "slow" }]',
            "'src/calc/\\*.py': tests 'slow' names no test-groups",
        ),
    ],
)
def test_a_table_that_says_too_little_is_refused(tmp_path, table, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.lambda-kit.mutation]\n{table}\n")
    with pytest.raises(UsageError, match=message):
        load_table(kit_config.load(tmp_path))


def test_every_row_of_the_table_matches_files_and_tests(repo):
    modules = expand(repo, load_table(kit_config.load(repo)).targets, [])
    assert list(modules) == ["src/calc/__init__.py", "src/calc/limits.py", "src/calc/text.py"]
    assert list(expand(repo, [Target("src/calc/*.py", ("tests",))], ["src/calc/l*"])) == ["src/calc/limits.py"]
    with pytest.raises(UsageError, match="matches no core module"):
        expand(repo, [Target("src/calc/*.py", ("tests",))], ["src/other.py"])
    with pytest.raises(UsageError, match="matches no Python file"):
        expand(repo, [Target("src/calc/gone.py", ("tests",))], [])
    with pytest.raises(UsageError, match=r"tests 'tests/test_gone\.py' match nothing"):
        expand(repo, [Target("src/calc/limits.py", ("tests/test_gone.py",))], [])
    with pytest.raises(UsageError, match="match nothing"):
        expand(repo, [Target("src/calc/limits.py", ("tests", "--deselect=tests/test_gone.py::test_x"))], [])
    with pytest.raises(UsageError, match="only --ignore/--deselect"):
        expand(repo, [Target("src/calc/limits.py", ("tests", "--keyword=slow"))], [])


def test_a_later_row_for_the_same_file_replaces_the_earlier(repo):
    modules = expand(repo, load_table(kit_config.load(repo)).targets, [])
    assert modules["src/calc/text.py"].pending and not modules["src/calc/limits.py"].pending
    assert modules["src/calc/text.py"].tests == ("tests/test_text.py",)


def test_a_run_scores_each_module_with_mutmut_against_the_tests_its_row_names(repo, monkeypatch, capsys):
    """A whole run (~4 s): mutmut on the staged repository, the table's test group with its --ignore, the declared
    equivalents, the score and the report."""
    monkeypatch.chdir(repo)
    assert main(["--modules", "src/calc/limits.py", "--max-children", "2"]) == 1
    report = (repo / ".mutation" / "report.md").read_text()
    assert capsys.readouterr().out.startswith("session 0: 1 modules x tests, --ignore=tests/test_slow.py")
    # killed, the two declared equivalents, the survivors of discount's boundary that only tests/test_slow.py kills
    assert re.search(r"\| src/calc/limits.py +\| +5 \| +2 \| +3 \| +62.5% \| yes \|", report)
    assert "### calc.limits.x_discount__mutmut_5 (survived; > -> >=)" in report
    assert "-    return total // 10 if total > 100 else 0\n+    return total // 10 if total >= 100 else 0" in report
    assert "x_magnitude" not in report  # declared equivalent: left out of the score, not listed
    assert "FAILED:\n- src/calc/limits.py: 62.5% < 90.0%" in report
    assert "overall" not in report.split("FAILED:")[1]  # a run of some modules gates each module only


def test_a_module_without_functions_is_told_apart(tmp_path):
    (tmp_path / "empty.py").write_text('"""Only a docstring."""\nVALUE = 1\n')
    (tmp_path / "code.py").write_text("class A:\n    def f(self):\n        return 1\n")
    # mutmut leaves decorated functions alone, except a static or class method: lambda_src/orders/api_routes.py
    (tmp_path / "data.py").write_text("class A:\n    @property\n    def f(self):\n        return 1\n")
    (tmp_path / "static.py").write_text("class A:\n    @staticmethod\n    def f():\n        return 1\n")
    found = [defines_functions(tmp_path / f"{name}.py") for name in ("empty", "code", "data", "static")]
    assert found == [False, True, False, True]


def test_function_filters_become_mutmut_name_patterns():
    assert name_patterns("tools.power_tuning", ()) == ["tools.power_tuning.*"]
    assert name_patterns("tools.power_tuning", ("analyze", "MemoryResult.*")) == [
        "tools.power_tuning.x_analyze__mutmut_*",
        "tools.power_tuning.xǁMemoryResultǁ*__mutmut_*",
    ]


def test_import_roots_come_from_pytests_pythonpath(repo):
    roots = staging.import_roots(staging.read_pyproject(repo))
    assert roots == ["src"]
    assert staging.flat_path("src/calc/limits.py", roots) == "calc/limits.py"
    assert staging.flat_path("tests/test_limits.py", roots) == "tests/test_limits.py"
    assert staging.module_name("calc/limits.py") == "calc.limits"
    deeper = {"tool": {"pytest": {"ini_options": {"pythonpath": [".", "lambda_src", "layers/common/python"]}}}}
    assert staging.import_roots(deeper) == ["layers/common/python", "lambda_src"]  # longest first


def test_staging_lifts_each_import_root_and_keeps_the_originals(tmp_path):
    repo, dest = tmp_path / "repo", tmp_path / "stage"
    files = ["lib/pkg/mod.py", "tests/test_mod.py", "README.md"]
    for name in files:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(name)
    assert staging.build(repo, dest, files, ["lib"]) == ["pkg"]
    assert (dest / "pkg/mod.py").read_text() == (dest / "lib/pkg/mod.py").read_text() == "lib/pkg/mod.py"
    (repo / "pkg").mkdir()
    (repo / "pkg/other.py").write_text("")
    with pytest.raises(staging.StagingError, match="both be the top-level 'pkg'"):
        staging.build(repo, dest, [*files, "pkg/other.py"], ["lib"])


def test_staging_pyproject_imports_everything_from_the_top():
    text = staging.staging_pyproject(
        {"tool": {"pytest": {"ini_options": {"pythonpath": [".", "lib"], "addopts": "-ra"}}}},
        {"source_paths": ["pkg"], "use_git_change_detection": False},
    )
    document = tomllib.loads(text)
    assert document["tool"]["pytest"]["ini_options"] == {"pythonpath": ["."], "addopts": "-ra"}
    assert document["tool"]["mutmut"] == {"source_paths": ["pkg"], "use_git_change_detection": False}


def test_repository_files_are_what_git_would_commit(repo):
    (repo / ".mutation").mkdir()
    (repo / ".mutation" / "report.md").write_text("")
    files = staging.repository_files(repo)  # nothing committed yet: new files count, ignored ones do not
    assert set(files) == set(REPOSITORY)
