"""The benchmark's rows, read from the project's ``[tool.lambda-kit.bench]``, its targets, and how a row's
execution environment and requests are built.

A row is a function of a cloud assembly as Lambda would run it (code, layers, memory, environment resolved
against the emulated resources), optionally with its handler and code replaced by a handler file of the project
(``handler`` + ``code``: a baseline run with the same layers and environment). A row's ``synth`` is the context
``cdk synth`` writes its assembly with before the run (a variant of the app: another tracing backend, say)::

    [tool.lambda-kit.bench]
    event = "post_order.json"      # every request: the sample event, its id field fresh each time
    rows = [
      { key = "b", label = "this handler", assembly = "cdk.out.bench/b", synth = "-c stage=dev" },
      { key = "c", label = "floor: bare botocore", assembly = "cdk.out", handler = "floor.handler", code = "bench" },
      { key = "r", label = "runtime alone", assembly = "cdk.out", handler = "empty.handler", code = "bench" },
    ]
    runtime-row = "r"              # subtracted from every row: what remains is each row's own code
    cold-targets = [{ row = "b", baseline = "c", at-most = 1.05 }]
    warm-targets = [{ row = "b", baseline = "c", at-most = 1.20 }]

Every row is measured cold (fresh environments, init + first request) and warm (one environment, many
requests) the same way, so a new row is one more entry.
"""

from __future__ import annotations

import shlex
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_kit import config as kit_config
from lambda_kit.local.lambda_process import LambdaProcess
from lambda_kit.local.sample_events import load_event
from lambda_kit.local.sandbox import FunctionConfig


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    assembly: Path
    function: str | None = None  # the assembly's function (default: the one behind its HTTP API)
    handler: str | None = None  # a handler of the project's instead of the function's own
    code: Path | None = None  # the task root that handler lives in
    synth: tuple[str, ...] = ()  # `cdk synth` arguments that write ``assembly`` (none: it is there already)

    @property
    def title(self) -> str:
        """The row's name in a report's table."""
        return f"({self.key:<10}) {self.label:<34}"


@dataclass(frozen=True)
class Target:
    row: str
    baseline: str
    at_most: float  # the ratio row / baseline must not exceed this


@dataclass(frozen=True)
class Breakdown:
    """A handler run inside a row's environment that times the steps of a warm request itself."""

    row: str
    handler: str
    code: Path  # added after the row's task root on sys.path
    iterations: int = 2000


@dataclass(frozen=True)
class BenchConfig:
    rows: tuple[Row, ...]
    event: Path
    id_field: str | None
    runtime_row: str
    cold_targets: tuple[Target, ...] = ()
    warm_targets: tuple[Target, ...] = ()
    traced_rows: tuple[str, ...] = ()  # rows with a tracer ...
    untraced_row: str | None = None  # ... and the same function without: what each tracer adds is the difference
    breakdown: Breakdown | None = None

    def row(self, key: str) -> Row:
        return next(row for row in self.rows if row.key == key)

    @property
    def assemblies(self) -> dict[Path, tuple[str, ...]]:
        """Each assembly the rows read, and the ``cdk synth`` arguments that write it."""
        found: dict[Path, tuple[str, ...]] = {}
        for row in self.rows:
            if row.synth and found.get(row.assembly, row.synth) not in ((), row.synth):
                raise kit_config.ConfigError(f"[tool.lambda-kit.bench] rows write {row.assembly} with different synth")
            if row.synth or row.assembly not in found:
                found[row.assembly] = row.synth
        return found

    def request(self, prefix: str = "bench") -> dict[str, Any]:
        """The sample event with a new id: every request writes something new."""
        return load_event(self.event, self.id_field, f"{prefix}-{uuid.uuid4().hex[:16]}")


def _targets(entries: Sequence[Mapping[str, Any]]) -> tuple[Target, ...]:
    return tuple(Target(str(e["row"]), str(e["baseline"]), float(e["at-most"])) for e in entries)


def load(config: kit_config.KitConfig | None = None) -> BenchConfig:
    """``[tool.lambda-kit.bench]`` of the working directory's project."""
    config = config or kit_config.load()
    section = config.section("bench")
    if not section.get("rows") or "event" not in section:
        raise kit_config.ConfigError("[tool.lambda-kit.bench] needs rows and an event (lambda-kit/README.md: bench)")
    rows = []
    for entry in section["rows"]:
        rows.append(
            Row(
                key=str(entry["key"]),
                label=str(entry.get("label", entry["key"])),
                assembly=config.root / str(entry["assembly"]),
                function=entry.get("function"),
                handler=entry.get("handler"),
                code=config.root / str(entry["code"]) if "code" in entry else None,
                synth=tuple(shlex.split(str(entry.get("synth", "")))),
            )
        )
    keys = [row.key for row in rows]
    breakdown = section.get("breakdown")
    bench = BenchConfig(
        rows=tuple(rows),
        event=config.events / str(section["event"]),
        id_field=config.id_field,
        runtime_row=str(section.get("runtime-row", keys[-1])),
        cold_targets=_targets(section.get("cold-targets", [])),
        warm_targets=_targets(section.get("warm-targets", [])),
        traced_rows=tuple(section.get("traced-rows", [])),
        untraced_row=section.get("untraced-row"),
        breakdown=(
            Breakdown(
                str(breakdown["row"]),
                str(breakdown["handler"]),
                config.root / str(breakdown["code"]),
                int(breakdown.get("iterations", 2000)),
            )
            if breakdown
            else None
        ),
    )
    named = [bench.runtime_row, *bench.traced_rows, *([bench.untraced_row] if bench.untraced_row else [])]
    named += [k for t in (*bench.cold_targets, *bench.warm_targets) for k in (t.row, t.baseline)]
    named += [bench.breakdown.row] if bench.breakdown else []
    for key in named:
        if key not in keys:
            raise kit_config.ConfigError(f"[tool.lambda-kit.bench] names row {key!r}; the rows are {', '.join(keys)}")
    return bench


@dataclass
class Options:
    """How every row's environment is made: the function configs (one per row, from its assembly), the emulator
    and X-Ray listener addresses, the interpreter flags of every run."""

    configs: dict[str, FunctionConfig]  # by row key
    endpoint: str
    xray_address: str
    python_flags: tuple[str, ...] = ()

    def environment(
        self, row: Row, extra_flags: tuple[str, ...] = (), config: FunctionConfig | None = None
    ) -> LambdaProcess:
        """A new (not yet started) execution environment for ``row``."""
        return LambdaProcess(
            config or self.configs[row.key],
            self.endpoint,
            self.xray_address,
            python_flags=self.python_flags + extra_flags,
            call_log="",  # never record AWS calls here: it would be measured too
        )


def row_config(row: Row, function: FunctionConfig) -> FunctionConfig:
    """The row's environment: the function's, with the row's own handler and code when it names them."""
    if row.handler is None:
        return function
    return function.but(handler=row.handler, task_root=row.code or function.task_root)


def target_lines(targets: Sequence[Target], ratio: Callable[[str, str], float], what: str) -> list[str]:
    """One line per target: ``ratio(row, baseline)`` against its limit."""
    lines = []
    for target in targets:
        value = ratio(target.row, target.baseline)
        verdict = "met" if value <= target.at_most else "NOT met"
        lines.append(
            f"target ({target.row})/({target.baseline}) <= {target.at_most:.2f} ({what}): {value:.3f} {verdict}"
        )
    return lines
