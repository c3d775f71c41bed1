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
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ()


MODULE_THRESHOLD = 0.90  # killed / non-equivalent mutants, in every module
OVERALL_THRESHOLD = 0.95  # the same over all the modules of a run

_STAGE_CONFIG_TESTS = ("tests/unit/test_stage_config*.py",)
_RUNTIME_TESTS = ("tests/unit/runtime",)
_TOOLS_TESTS = ("tests/unit/tools",)

TARGETS: tuple[Target, ...] = (
    Target("stacks/config.py", _STAGE_CONFIG_TESTS),
    Target("lambda_src/orders/*.py", _RUNTIME_TESTS),
    Target("layers/common/python/common/*.py", _RUNTIME_TESTS),
    Target("tools/pricing.py", _TOOLS_TESTS),
    Target("tools/report_parser.py", _TOOLS_TESTS),
    Target("tools/cost.py", _TOOLS_TESTS),
    # Power tuning's analysis, today inside the CLI module (issue 12 splits it out): once it is its own file,
    # replace this row by that file without `functions`.
    Target(
        "tools/power_tuning.py",
        _TOOLS_TESTS,
        functions=("MemoryResult.*", "analyze", "recommend", "_pct"),
    ),
)
