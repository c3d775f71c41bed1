"""Snapshots of every stack of every stage. Asset hashes and the current-version logical ID change with
any code edit, so they are normalized: a snapshot diff means the template itself changed. The snapshots
hold the default project name; a fork's names are compared as if renamed back (tests/fork runs this so).

Update after an intended change: `pytest tests/infra --snapshot-update`, then read the diff."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from stacks.naming import DEFAULT_PROJECT_NAME
from tests.infra.conftest import STAGES, Synth

_ASSET_HASH = re.compile(r"[0-9a-f]{64}")
_CURRENT_VERSION = re.compile(r"CurrentVersion[0-9A-F]{8}[0-9a-f]{32}")
_CR_OWNED = re.compile(r"aws-cdk:cr-owned:[0-9a-f]{8}")


def normalize(template: dict[str, Any], project: str = DEFAULT_PROJECT_NAME) -> Any:
    text = json.dumps(template, sort_keys=True)
    text = _ASSET_HASH.sub("<asset-hash>", text)
    # The project name starts the strings it is in: the tag value itself, and names and descriptions
    # followed by a stage ("<project>-dev-data", "<project>/prod/cold-starts", "<project> dev: ...").
    stages = "|".join(STAGES)
    name = re.compile(rf'"{re.escape(project)}(?=(?:[-/ ](?:{stages})\b[^"]*)?")')
    text = name.sub(f'"{DEFAULT_PROJECT_NAME}', text)
    # Names CDK generates from the stack's name carry a hash of it: the autoscaling policy's
    # "<project><stage>service...<hash>", the BucketDeployment's "aws-cdk:cr-owned:<hash>" tag.
    squashed, default_squashed = (re.sub("[^A-Za-z0-9]", "", n) for n in (project, DEFAULT_PROJECT_NAME))
    generated = re.compile(rf'"{squashed}((?:{stages})[A-Za-z0-9]+?)[0-9A-F]{{8}}"')
    text = generated.sub(rf'"{default_squashed}\1<hash>"', text)
    # A security-group rule is named "from <peer's unique id>:<port>" (its logical id adds a hash of that path).
    rule = re.compile(
        rf"(?:(?<=from )|(?<=from)){squashed}((?:{stages})[A-Za-z0-9]+?)[0-9A-F]{{8}}(?:(:\d+)|(\d+)[0-9A-F]{{8}}(?=\"))"
    )
    text = rule.sub(lambda m: f"{default_squashed}{m[1]}<hash>" + (m[2] or f"{m[3]}<hash>"), text)
    text = _CR_OWNED.sub("aws-cdk:cr-owned:<hash>", text)
    text = _CURRENT_VERSION.sub("CurrentVersion<hash>", text)
    return json.loads(text)


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("kind", ["data", "service"])
@pytest.mark.parametrize("stage", STAGES)
def test_template_snapshot(synth: Synth, snapshot_json: SnapshotAssertion, stage: str, kind: str) -> None:
    assert normalize(synth.template(stage, kind), synth.project.name) == snapshot_json


@pytest.mark.xdist_group("lmi")
def test_managed_instances_service_snapshot(lmi: Synth, snapshot_json: SnapshotAssertion) -> None:
    # dev switched to managed instances; its data stack is dev's (tests/infra/test_strategy_switch.py).
    assert normalize(lmi.template("dev", "service"), lmi.project.name) == snapshot_json


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


def test_a_fork_compares_as_the_default_project() -> None:
    def template(project: str) -> dict[str, Any]:
        return {
            "Tags": [{"Key": "project", "Value": project}],
            "StackName": f"{project}-prod-data",
            "Name": f"{project}/dev/cold-starts",
            "Description": f"{project} dev: alarms",
            "Route": "/shop/{id}",
            "Other": "shop-production",
            "PolicyName": f"{project.replace('-', '')}prodserviceScaling"
            + ("0A1B2C3D" if project == "shop" else "9F8E7D6C"),
        }

    # Renamed where the name starts a string before a stage; "/shop/..." and "shop-production" are not names.
    assert normalize(template("shop"), "shop") == normalize(template(DEFAULT_PROJECT_NAME))
    assert normalize(template("shop"), "shop")["Route"] == "/shop/{id}"
