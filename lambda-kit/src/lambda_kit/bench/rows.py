"""The benchmark's rows, one declarative entry each (what runs, with which environment), its targets, and how
a row's execution environment and requests are built.

A row is a handler in a task root, plus environment variables on top of the function's own (table,
bucket, X-Ray daemon). Every row is measured cold (fresh environments, init + first request) and warm
(one environment, many requests) the same way, so a new row (another tracing backend, another
configuration) is one more entry here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_kit.local.emulator import CONFIG_BUCKET, REPO_ROOT, TABLE_NAME
from lambda_kit.local.lambda_process import LambdaProcess
from lambda_kit.local.sample_events import load_event
from lambda_kit.local.sandbox import COMMON_LAYER, DEFAULT_TRACING, TASK_ROOT, function_layers, lambda_env

BENCH_DIR = REPO_ROOT / "bench"
# The runtime's own share (interpreter, runtime interface client): what every row pays before its code runs.
RUNTIME_ROW = "r"


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    handler: str
    task_root: Path
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The row's name in a report's table."""
        return f"({self.key:<10}) {self.label:<34}"


ORDERS_HANDLER = "orders.handler.lambda_handler"
# This handler once per tracing backend a stage can select (``TRACING``: the backend and its dependencies layer,
# as the stage attaches it; ``off`` attaches none), next to the seed, the floor and the runtime alone.
# (b-off) is also "tracing disabled" (AWS_XRAY_SDK_ENABLED=false): common.tracing returns before importing a
# backend either way, so both import the same modules and run the same code (measured side by side, same
# module sets under -X importtime, warm p50 within 0.1 ms); one row measures both.
ROWS = (
    Row("a", "seed: patch_all + boto3.resource", "seed_handler.lambda_handler", BENCH_DIR),
    Row("b", "this handler, tracing xray-sdk", ORDERS_HANDLER, TASK_ROOT, {"TRACING": "xray-sdk"}),
    Row("b-otel", "this handler, tracing otel", ORDERS_HANDLER, TASK_ROOT, {"TRACING": "otel"}),
    Row("b-off", "this handler, tracing off", ORDERS_HANDLER, TASK_ROOT, {"TRACING": "off"}),
    Row("c", "floor: bare botocore", "floor_handler.lambda_handler", BENCH_DIR),
    Row(RUNTIME_ROW, "runtime alone: an empty handler", "empty_handler.lambda_handler", BENCH_DIR),
)
# Rows of this handler with a tracer, and the row without one: what each backend adds is the difference.
TRACED_ROWS = ("b", "b-otel")
UNTRACED_ROW = "b-off"


@dataclass(frozen=True)
class Target:
    row: str
    baseline: str
    at_most: float  # the ratio row / baseline must not exceed this


# Cold: the code's own part of init + first request (minus the runtime alone), median, as measured before the
# function ran under the real runtime client. Warm: the handler's duration (Lambda's Duration), p50.
COLD_TARGETS = (Target("b", "c", 1.05), Target("b", "a", 0.90), Target("b-otel", "c", 1.20))
WARM_TARGETS = (Target(UNTRACED_ROW, "c", 1.10), Target("b", "c", 1.20))


@dataclass(frozen=True)
class Options:
    """Where the rows' code is read from, and the interpreter flags of every run."""

    endpoint: str
    xray_address: str
    code_root: Path = REPO_ROOT  # holds lambda_src/, bench/ and layers/common/python/
    python_flags: tuple[str, ...] = ()
    # Where each backend's dependencies layer was copied without bytecode (None: links to this venv's packages).
    dependencies_root: Path | None = None

    def relocate(self, path: Path) -> Path:
        return self.code_root / path.relative_to(REPO_ROOT)

    def layers(self, row: Row) -> tuple[Path, ...]:
        """The layers of the row's stage: the common layer and its tracing backend's dependencies layer."""
        tracing = row.env.get("TRACING", DEFAULT_TRACING)
        common = self.relocate(COMMON_LAYER)
        if self.dependencies_root is None:
            return function_layers(tracing, common)
        layer = self.dependencies_root / f"layer-{tracing}"
        return (common, layer) if layer.is_dir() else (common,)

    def environment(self, row: Row, extra_flags: tuple[str, ...] = (), layers: tuple[Path, ...] = ()) -> LambdaProcess:
        """A new (not yet started) execution environment for ``row``: the function's environment with the row's
        on top (its ``TRACING`` also picks the dependencies layer)."""
        function_env = {"TABLE_NAME": TABLE_NAME, "CONFIG_BUCKET": CONFIG_BUCKET, **row.env}
        env = lambda_env(self.endpoint, function_env, self.xray_address)
        task_root = self.relocate(row.task_root)
        env["LAMBDA_TASK_ROOT"] = str(task_root)
        return LambdaProcess(
            env,
            handler=row.handler,
            task_root=task_root,
            layers=(*self.layers(row), *layers),
            python_flags=self.python_flags + extra_flags,
            call_log="",  # never record AWS calls here: it would be measured too
        )


def order_event(prefix: str = "bench") -> dict[str, Any]:
    """The POST /orders sample event (events/post_order.json) with a new order id."""
    return load_event("post_order.json", f"{prefix}-{uuid.uuid4().hex[:16]}")


def target_lines(targets: tuple[Target, ...], ratio: Callable[[str, str], float], what: str) -> list[str]:
    """One line per target: ``ratio(row, baseline)`` against its limit."""
    lines = []
    for target in targets:
        value = ratio(target.row, target.baseline)
        verdict = "met" if value <= target.at_most else "NOT met"
        lines.append(
            f"target ({target.row})/({target.baseline}) <= {target.at_most:.2f} ({what}): {value:.3f} {verdict}"
        )
    return lines
