"""make mutation's own logic: staging layout, the module table, equivalents matching, scores and thresholds."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from lambda_kit.mutation import results, staging
from lambda_kit.mutation.__main__ import EQUIVALENTS, REPO, UsageError, defines_functions, expand, name_patterns
from lambda_kit.mutation.modules import TARGETS, Target
from lambda_kit.mutation.results import Equivalent, Mutant

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


def test_equivalents_file_is_valid_and_every_entry_complete(tmp_path):
    for entry in results.load_equivalents(EQUIVALENTS):
        assert entry.reason.strip() and entry.module in expand(TARGETS, [])
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


def test_every_row_of_the_table_matches_files_and_tests():
    modules = expand(TARGETS, [])
    assert {"stacks/stage_config.py", "lambda_src/orders/validation.py", CACHE, "tools/pricing.py"} <= set(modules)
    assert list(expand(TARGETS, ["lambda_src/orders/v*"])) == ["lambda_src/orders/validation.py"]
    with pytest.raises(UsageError, match="matches no core module"):
        expand(TARGETS, ["stacks/naming.py"])
    with pytest.raises(UsageError, match="matches no Python file"):
        expand([Target("tools/gone.py", ("tests/unit",))], [])
    with pytest.raises(UsageError, match=r"tests 'tests/unit/test_gone\.py' match nothing"):
        expand([Target("stacks/stage_config.py", ("tests/unit/test_gone.py",))], [])
    with pytest.raises(UsageError, match="match nothing"):
        expand([Target("stacks/stage_config.py", ("tests/unit", "--deselect=tests/unit/test_gone.py::test_x"))], [])
    with pytest.raises(UsageError, match="only --ignore/--deselect"):
        expand([Target("stacks/stage_config.py", ("tests/unit", "--keyword=slow"))], [])


def test_a_later_row_for_the_same_file_replaces_the_earlier():
    tests = ("tests/unit/runtime",)
    rows = [Target("lambda_src/orders/*.py", tests), Target("lambda_src/orders/app.py", tests, pending="why")]
    modules = expand(rows, [])
    assert modules["lambda_src/orders/app.py"].pending and not modules["lambda_src/orders/validation.py"].pending


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


def test_import_roots_come_from_pytests_pythonpath():
    roots = staging.import_roots(staging.read_pyproject(REPO))
    assert roots == ["layers/common/python", "lambda_src"]
    assert staging.flat_path("layers/common/python/common/http.py", roots) == "common/http.py"
    assert staging.flat_path("stacks/stage_config.py", roots) == "stacks/stage_config.py"
    assert staging.module_name("common/http.py") == "common.http"


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


def test_repository_files_are_what_git_would_commit():
    files = staging.repository_files(REPO)
    assert "mutation/modules.py" in files and "pyproject.toml" in files
    assert not {".venv", ".mutation", "node_modules"} & {Path(f).parts[0] for f in files}  # ignored: not copied
