"""The core modules under mutation testing and the fast tests that cover each: edit this table, nothing else.

``path`` and ``tests`` are repository paths; globs are expanded at run time, so a new file in a package or a
new ``test_stage_config_*.py`` is picked up without touching the table. Rows that share ``tests`` run in one
mutmut session. ``functions`` limits a row to some functions of a file (mutmut's names: ``analyze``,
``MemoryResult.failed``, ``MemoryResult.*``); empty means every function.
"""

from __future__ import annotations

from typing import NamedTuple


class Target(NamedTuple):
    path: str
    tests: tuple[str, ...]  # paths (globs), or --ignore=PATH / --deselect=NODE_ID to leave slow tests out
    functions: tuple[str, ...] = ()
    pending: str = ""  # scored and reported, but not gating the run yet: why (the issue that is rewriting it)


MODULE_THRESHOLD = 0.90  # killed / non-equivalent mutants, in every module
OVERALL_THRESHOLD = 0.95  # the same over all the modules of a run

_STAGE_CONFIG_TESTS = ("tests/unit/test_stage_config*.py", "tests/unit/test_tracing_setting.py")
_RUNTIME_TESTS = ("tests/unit/runtime",)
# The tools' fast tests, without the two that draw a chart with matplotlib (~2 to 7 s each, for every mutant of
# every function they call).
_TOOLS_TESTS = (
    "tests/unit/tools",
    "--ignore=tests/unit/tools/test_cli_end_to_end.py",
    "--deselect=tests/unit/tools/test_power_tuning.py::test_stubbed_sweep_writes_chart_and_json",
)

# A later row for the same file replaces an earlier one.
TARGETS: tuple[Target, ...] = (
    Target("stacks/stage_config.py", _STAGE_CONFIG_TESTS),
    Target("lambda_src/orders/*.py", _RUNTIME_TESTS),
    Target("lambda_src/pre_traffic_hook/*.py", _RUNTIME_TESTS),
    Target("layers/common/python/common/*.py", _RUNTIME_TESTS),
    Target("tools/pricing.py", _TOOLS_TESTS),
    Target("tools/price_data.py", _TOOLS_TESTS),
    Target("tools/report_parser.py", _TOOLS_TESTS),
    Target("tools/cold_start_cost.py", _TOOLS_TESTS),
    # Not build_parser: argparse declarations, whose texts are documentation (the CLI tests use the options).
    Target(
        "tools/cost.py",
        _TOOLS_TESTS,
        functions=("_region", "calculate", "_used_prices", "_pc_info", "main"),
    ),
    Target("tools/power_tuning/analysis.py", _TOOLS_TESTS),
)
