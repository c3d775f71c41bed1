"""The benchmark's rows, one declarative entry each (what runs, with which environment), its targets, and how
a row's execution environment and requests are built.

A row is a handler in a task root, plus environment variables on top of the function's own (table,
bucket, X-Ray daemon). Every row is measured cold (fresh environments, init + first request) and warm
(one environment, many requests) the same way, so a new row (another tracing backend, another
configuration) is one more entry here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.emulator import CONFIG_BUCKET, REPO_ROOT, TABLE_NAME
from local.lambda_process import LambdaProcess
from local.sandbox import COMMON_LAYER, TASK_ROOT, lambda_env

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


ROWS = (
    Row("a", "seed: patch_all + boto3.resource", "seed_handler.lambda_handler", BENCH_DIR),
    Row("b", "this handler (orders.handler)", "orders.handler.lambda_handler", TASK_ROOT),
    Row(
        "b-untraced",
        "this handler, tracing off",
        "orders.handler.lambda_handler",
        TASK_ROOT,
        {"AWS_XRAY_SDK_ENABLED": "false"},
    ),
    Row("c", "floor: bare botocore", "floor_handler.lambda_handler", BENCH_DIR),
    Row(RUNTIME_ROW, "runtime alone: an empty handler", "empty_handler.lambda_handler", BENCH_DIR),
)


@dataclass(frozen=True)
class Target:
    row: str
    baseline: str
    at_most: float  # the ratio row / baseline must not exceed this


# Cold: the code's own part of init + first request (minus the runtime alone), median, as measured before the
# function ran under the real runtime client. Warm: the handler's duration (Lambda's Duration), p50.
COLD_TARGETS = (Target("b", "c", 1.05), Target("b", "a", 0.90))
WARM_TARGETS = (Target("b-untraced", "c", 1.10), Target("b", "c", 1.20))


@dataclass(frozen=True)
class Options:
    """Where the rows' code is read from, and the interpreter flags of every run."""

    endpoint: str
    xray_address: str
    code_root: Path = REPO_ROOT  # holds lambda_src/, bench/ and layers/common/python/
    python_flags: tuple[str, ...] = ()

    def relocate(self, path: Path) -> Path:
        return self.code_root / path.relative_to(REPO_ROOT)

    def environment(self, row: Row, extra_flags: tuple[str, ...] = (), layers: tuple[Path, ...] = ()) -> LambdaProcess:
        """A new (not yet started) execution environment for ``row``."""
        function_env = {"TABLE_NAME": TABLE_NAME, "CONFIG_BUCKET": CONFIG_BUCKET, **row.env}
        env = lambda_env(self.endpoint, function_env, self.xray_address)
        task_root = self.relocate(row.task_root)
        env["LAMBDA_TASK_ROOT"] = str(task_root)
        return LambdaProcess(
            env,
            handler=row.handler,
            task_root=task_root,
            layers=(self.relocate(COMMON_LAYER), *layers),
            python_flags=self.python_flags + extra_flags,
            call_log="",  # never record AWS calls here: it would be measured too
        )


def order_event(prefix: str = "bench") -> dict[str, Any]:
    """The POST /orders sample event (events/post_order.json) with a new order id."""
    event: dict[str, Any] = json.loads((REPO_ROOT / "events" / "post_order.json").read_text())
    body = json.loads(event["body"])
    body["order_id"] = f"{prefix}-{uuid.uuid4().hex[:16]}"
    event["body"] = json.dumps(body)
    return event


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
