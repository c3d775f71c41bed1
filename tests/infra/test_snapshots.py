"""Snapshots of every stack of every stage. Asset hashes and the current-version logical ID change with
any code edit, so they are normalized: a snapshot diff means the template itself changed.

Update after an intended change: `pytest tests/infra --snapshot-update`, then read the diff."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.infra.conftest import STAGES, Synth

_ASSET_HASH = re.compile(r"[0-9a-f]{64}")
_CURRENT_VERSION = re.compile(r"CurrentVersion[0-9A-F]{8}[0-9a-f]{32}")


def normalize(template: dict[str, Any]) -> Any:
    text = json.dumps(template, sort_keys=True)
    text = _ASSET_HASH.sub("<asset-hash>", text)
    text = _CURRENT_VERSION.sub("CurrentVersion<hash>", text)
    return json.loads(text)


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("kind", ["data", "service"])
@pytest.mark.parametrize("stage", STAGES)
def test_template_snapshot(synth: Synth, snapshot_json: SnapshotAssertion, stage: str, kind: str) -> None:
    assert normalize(synth.template(stage, kind)) == snapshot_json


def test_normalization_keeps_real_changes_visible() -> None:
    base = {
        "Resources": {
            "FnCurrentVersionAB12CD34" + "0" * 32: {
                "Properties": {"MemorySize": 512, "Code": {"S3Key": "a" * 64 + ".zip"}}
            }
        }
    }
    changed_code = json.loads(json.dumps(base).replace("a" * 64, "b" * 64))
    changed_memory = json.loads(json.dumps(base).replace("512", "1024"))
    assert normalize(base) == normalize(changed_code)
    assert normalize(base) != normalize(changed_memory)
