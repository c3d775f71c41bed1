"""Scoring a mutation run: statuses, declared equivalents, the score per module and the thresholds. Pure logic.

A declared equivalent names the module, the function, the source line and the change (``<= -> <``); it must
match exactly one mutant that no test killed. One that matches nothing (the code changed, or a test now kills
the mutant: it was never equivalent) or several fails the run, so the list cannot rot into a blanket excuse.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# mutmut's statuses (mutmut.stats.status_by_exit_code) that mean a test noticed the mutant. A timeout or a crash
# of the test process is noticed too; "suspicious", "no tests" and "skipped" are not.
KILLED_STATUSES = frozenset({"killed", "timeout", "segfault", "caught by type check"})
NOT_RUN_STATUSES = frozenset({"not checked", "check was interrupted by user"})

_KEY = re.compile(r"^(?P<module>.+)\.(?P<function>x(?:_[^.]+|ǁ[^.]+ǁ[^.]+))__mutmut_(?P<number>\d+)$")
_TOKEN = re.compile(
    r"""[rbfuRBFU]{0,2}(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')"""  # string literals, prefixes included
    r"|\d[\w.]*|\w+|==|!=|<=|>=|\*\*|//|<<|>>|->|:=|\S"
)


class EquivalentsError(ValueError):
    """The equivalents file is malformed: a missing or unknown field."""


def function_of(mutant_name: str) -> tuple[str, str]:
    """``common.http.x__body_bytes__mutmut_3`` -> (``common.http``, ``_body_bytes``); methods as ``Class.method``."""
    match = _KEY.match(mutant_name)
    if match is None:
        raise ValueError(f"not a mutmut mutant name: {mutant_name!r}")
    raw = match["function"]
    if raw.startswith("xǁ"):
        _, cls, method = raw.split("ǁ")
        return match["module"], f"{cls}.{method}"
    return match["module"], raw[2:]


def changed_lines(diff: str) -> tuple[str, str]:
    """The removed and the added source lines of a unified diff (stripped, joined by newlines)."""
    removed, added = [], []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("-"):
            removed.append(line[1:].strip())
        elif line.startswith("+"):
            added.append(line[1:].strip())
    return "\n".join(removed), "\n".join(added)


def operator(original: str, mutated: str) -> str:
    """The change between two source lines as ``old -> new`` tokens (``<= -> <``, ``False -> None``).

    Tokens common to both ends are dropped; an empty side is ``∅`` (an argument removed or added).
    """
    a, b = _TOKEN.findall(original), _TOKEN.findall(mutated)
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    old, new = a[start : len(a) - end], b[start : len(b) - end]
    return f"{' '.join(old) or '∅'} -> {' '.join(new) or '∅'}"


@dataclass(frozen=True)
class Mutant:
    name: str  # mutmut's name, e.g. common.http.x__body_bytes__mutmut_3
    path: str  # the repository path of the mutated file
    status: str  # mutmut's status: killed, survived, no tests, timeout, ...
    diff: str = ""  # mutmut's diff of the function (known for the mutants no test killed)

    @property
    def killed(self) -> bool:
        return self.status in KILLED_STATUSES

    @property
    def function(self) -> str:
        return function_of(self.name)[1]

    @property
    def line(self) -> str:
        return changed_lines(self.diff)[0]

    @property
    def operator(self) -> str:
        return operator(*changed_lines(self.diff))


@dataclass(frozen=True)
class Equivalent:
    module: str  # repository path
    function: str  # as Mutant.function
    line: str  # the original source line, stripped
    operator: str  # as Mutant.operator
    reason: str  # why no test can observe the change

    def matches(self, mutant: Mutant) -> bool:
        return (mutant.path, mutant.function, mutant.line, mutant.operator) == (
            self.module,
            self.function,
            self.line,
            self.operator,
        )

    def describe(self) -> str:
        return f"{self.module} {self.function}: `{self.line}` ({self.operator})"


_EQUIVALENT_FIELDS = frozenset(Equivalent.__dataclass_fields__)


def load_equivalents(path: Path) -> list[Equivalent]:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = document.get("equivalent", [])
    if set(document) - {"equivalent"}:
        raise EquivalentsError(f"{path}: unknown tables {sorted(set(document) - {'equivalent'})}")
    result = []
    for index, entry in enumerate(entries):
        missing, unknown = _EQUIVALENT_FIELDS - set(entry), set(entry) - _EQUIVALENT_FIELDS
        if missing or unknown:
            raise EquivalentsError(
                f"{path}: equivalent #{index + 1}: missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        if not all(isinstance(entry[f], str) and entry[f].strip() for f in _EQUIVALENT_FIELDS):
            raise EquivalentsError(f"{path}: equivalent #{index + 1}: every field must be a non-empty string")
        result.append(Equivalent(**entry))
    return result


@dataclass
class ModuleScore:
    path: str
    pending: str = ""  # why the module does not gate the run yet (see mutation/modules.py); empty: it gates
    killed: int = 0
    equivalent: int = 0
    survivors: list[Mutant] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.killed + self.equivalent + len(self.survivors)

    @property
    def non_equivalent(self) -> int:
        return self.total - self.equivalent

    @property
    def score(self) -> float | None:
        return self.killed / self.non_equivalent if self.non_equivalent else None


@dataclass
class Report:
    modules: list[ModuleScore]
    problems: list[str]  # declared equivalents that match no or several mutants; mutants never run
    module_threshold: float
    overall_threshold: float | None  # None: a run of some modules only, where the overall score is not the gate

    @property
    def gating(self) -> list[ModuleScore]:
        return [m for m in self.modules if not m.pending]

    @property
    def killed(self) -> int:
        return sum(m.killed for m in self.gating)

    @property
    def non_equivalent(self) -> int:
        return sum(m.non_equivalent for m in self.gating)

    @property
    def score(self) -> float | None:
        return self.killed / self.non_equivalent if self.non_equivalent else None

    def failures(self) -> list[str]:
        out = list(self.problems)
        for m in self.gating:
            if m.score is not None and m.score < self.module_threshold:
                out.append(f"{m.path}: {_pct(m.score)} < {_pct(self.module_threshold)}")
        if self.score is not None and self.overall_threshold is not None and self.score < self.overall_threshold:
            out.append(f"overall: {_pct(self.score)} < {_pct(self.overall_threshold)}")
        return out


def score(
    mutants: Iterable[Mutant],
    equivalents: Sequence[Equivalent],
    modules: Sequence[str],
    *,
    module_threshold: float,
    overall_threshold: float | None,
    pending: Mapping[str, str] | None = None,
) -> Report:
    """Score ``mutants`` of ``modules`` (repository paths); ``equivalents`` of other modules are not checked.

    ``pending``: modules scored and reported but left out of the thresholds, with the reason.
    """
    by_path = {path: ModuleScore(path, (pending or {}).get(path, "")) for path in modules}
    matched: dict[Equivalent, list[Mutant]] = {e: [] for e in equivalents if e.module in by_path}
    problems: list[str] = []
    for mutant in mutants:
        module = by_path[mutant.path]
        if mutant.status in NOT_RUN_STATUSES:
            problems.append(f"{mutant.name}: {mutant.status} (the run did not finish)")
        if mutant.killed:
            module.killed += 1
            continue
        claims = [e for e in matched if e.matches(mutant)]
        for e in claims:
            matched[e].append(mutant)
        if claims:
            module.equivalent += 1
        else:
            module.survivors.append(mutant)
    for e, hits in matched.items():
        if not hits:
            problems.append(
                f"declared equivalent matches no surviving mutant (code changed, or a test kills it): {e.describe()}"
            )
        elif len(hits) > 1:
            problems.append(
                f"declared equivalent matches {len(hits)} mutants ({', '.join(m.name for m in hits)}): {e.describe()}"
            )
    return Report(list(by_path.values()), problems, module_threshold, overall_threshold)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def render(report: Report) -> str:
    """Markdown: the score table, every survivor with its diff, and what fails the run."""
    scored = [m for m in report.modules if m.total]
    width = max([len(m.path) for m in scored] + [len("overall (gating modules)")])
    lines = [
        f"| {'module':<{width}} | killed | equivalent | survived | score  | gates |",
        f"|{'-' * (width + 2)}|-------:|-----------:|---------:|-------:|-------|",
    ]
    for m in scored:
        gate = f"no: {m.pending}" if m.pending else "yes"
        lines.append(
            f"| {m.path:<{width}} | {m.killed:>6} | {m.equivalent:>10} | {len(m.survivors):>8} | {_pct(m.score):>6} "
            f"| {gate} |"
        )
    gating = report.gating
    lines.append(
        f"| {'overall (gating modules)':<{width}} | {report.killed:>6} | {sum(m.equivalent for m in gating):>10} | "
        f"{sum(len(m.survivors) for m in gating):>8} | {_pct(report.score):>6} | yes |"
    )
    empty = [m.path for m in report.modules if not m.total]
    if empty:
        lines += ["", "No function to mutate: " + ", ".join(empty)]
    for m in report.modules:
        for mutant in m.survivors:
            lines += ["", f"### {mutant.name} ({mutant.status}; {mutant.operator})", "```diff", mutant.diff, "```"]
    failures = report.failures()
    lines.append("")
    if failures:
        lines.append("FAILED:")
        lines += [f"- {f}" for f in failures]
    else:
        pending = len(report.modules) - len(report.gating)
        together = "" if report.overall_threshold is None else f", together >= {_pct(report.overall_threshold)}"
        lines.append(
            f"PASSED: every gating module >= {_pct(report.module_threshold)}{together}"
            + (f" ({pending} pending modules not gating)" if pending else "")
        )
    return "\n".join(lines)
