"""``--apply``: the recommendation goes into code, not into the account.

The stage's memory setting is written into ``cdk.json``'s context, at the key the project names in
``[tool.lambda-kit.power-tuning] apply`` (``"stages.{stage}.memory_mb"``: where its app reads it), the rest of the
file untouched; the next ``cdk deploy`` changes the function through CloudFormation, and the app validates the value
as it validates every setting. (Power Tuning's ``autoOptimize`` instead changes the function and alias directly:
the template then no longer describes what runs, and the next deploy quietly reverts it.)
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

from lambda_kit import config as kit_config
from lambda_kit.tools.aws import ToolError

# Lambda's memory range (MemorySize: 128 MB to 10,240 MB).
MEMORY_MB_RANGE = (128, 10240)


def context_key(stage: str) -> list[str]:
    """The cdk.json context path of the stage's memory setting, from ``[tool.lambda-kit.power-tuning] apply``."""
    pattern = kit_config.load().section("power-tuning").get("apply")
    if not isinstance(pattern, str) or "{stage}" not in pattern:
        raise ToolError('--apply needs [tool.lambda-kit.power-tuning] apply = "<cdk.json context key with {stage}>"')
    return pattern.format(stage=stage).split(".")


def apply_memory(cdk_json: Path, stage: str, memory_mb: int) -> tuple[int | None, str]:
    """Set the stage's memory key in cdk.json's context; returns the previous value and a unified diff."""
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
            f"set {'.'.join(context_key(stage))} = {memory_mb} in its context by hand"
        )
    *parents, leaf = context_key(stage)
    entry = data.setdefault("context", {})
    for part in parents:
        entry = entry.setdefault(part, {})
    previous = entry.get(leaf)
    entry[leaf] = memory_mb
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
