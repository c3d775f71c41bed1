"""``--apply``: the recommendation goes into code, not into the account.

The stage's ``memory_mb`` is set in ``cdk.json`` (context ``stages.<stage>.memory_mb``, where the app
reads it), the rest of the file untouched; the next ``cdk deploy`` changes the function through
CloudFormation. (Power Tuning's ``autoOptimize`` instead changes the function and alias directly: the
template then no longer describes what runs, and the next deploy quietly reverts it.)
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

from stacks.stage_config import MEMORY_MB_RANGE, STAGE_DEFAULTS
from lambda_kit.tools.aws import ToolError


def apply_memory(cdk_json: Path, stage: str, memory_mb: int) -> tuple[int | None, str]:
    """Set ``context.stages.<stage>.memory_mb``; returns the previous value and a unified diff."""
    low, high = MEMORY_MB_RANGE
    if not low <= memory_mb <= high:
        raise ToolError(f"memory_mb {memory_mb} is outside {low}..{high}: not written")
    try:
        text = cdk_json.read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as exc:
        raise ToolError(f"cannot read {cdk_json}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ToolError(f"{cdk_json} is not JSON: {exc}") from exc
    if _dump(data) != text:
        raise ToolError(
            f"{cdk_json} is not laid out as 2-space JSON, so rewriting it would change more than one value; "
            f'set "memory_mb": {memory_mb} under context.stages.{stage} by hand'
        )
    stages = data.setdefault("context", {}).setdefault("stages", {})
    if stage not in STAGE_DEFAULTS and stage not in stages:
        known = sorted(set(STAGE_DEFAULTS) | set(stages))
        raise ToolError(f"unknown stage {stage!r} (known: {', '.join(known)}): not written")
    entry = stages.setdefault(stage, {})
    previous = entry.get("memory_mb")
    entry["memory_mb"] = memory_mb
    new_text = _dump(data)
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True), new_text.splitlines(keepends=True), str(cdk_json), str(cdk_json), n=2
        )
    )
    tmp = cdk_json.with_name(cdk_json.name + ".tmp")
    tmp.write_text(new_text, encoding="utf-8")
    os.replace(tmp, cdk_json)  # atomic: an interrupted write never leaves half a cdk.json
    return previous, diff


def _dump(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
