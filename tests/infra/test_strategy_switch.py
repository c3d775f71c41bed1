"""Switching a stage to managed instances, as CloudFormation will see it: the same stage synthesized before (the
session's dev) and after (the ``lmi`` synth). Lambda fixes a function's compute type when it creates it, so the
function is a new resource (a new logical id), with a new version and the alias replaced on it; its log group and
role stay, and no resource of the data stack moves. ``pytest tests/infra/test_strategy_switch.py -s`` prints the
diff (docs/cold-starts.md shows it)."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.naming import function_id
from stacks.policy_acknowledgments import VPC_DEFAULT_SG_PROVIDER
from tests.infra.conftest import FUNCTION_NAMES, Synth, shared_id
from tests.infra.test_snapshots import normalize

pytestmark = pytest.mark.xdist_group("lmi")


def cold_start_query(function: str) -> str:
    return f"Monitoring/{shared_id(function, 'ColdStartQuery')}/Resource"


def _paths(template: dict[str, Any]) -> dict[str, str]:
    """logical id -> construct path inside the stack, for every resource."""
    return {
        logical_id: resource["Metadata"]["aws:cdk:path"].split("/", 1)[1]
        for logical_id, resource in template["Resources"].items()
    }


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(removed, added, kept but changed): logical id -> construct path, templates compared without asset hashes."""
    old, new = _paths(before), _paths(after)
    was, now = normalize(before)["Resources"], normalize(after)["Resources"]
    removed = {k: v for k, v in old.items() if k not in new}
    added = {k: v for k, v in new.items() if k not in old}
    changed = {k: v for k, v in old.items() if k in new and was[k] != now[k]}
    return removed, added, changed


def test_no_resource_of_the_data_stack_changes(synth: Synth, lmi: Synth) -> None:
    assert normalize(lmi.template("dev", "data")) == normalize(synth.template("dev", "data"))


def test_the_function_is_replaced_its_log_group_and_role_stay(synth: Synth, lmi: Synth) -> None:
    before, after = synth.template("dev", "service"), lmi.template("dev", "service")
    removed, added, changed = _diff(before, after)
    print("\nremoved:", *sorted(removed.values()), "\nadded:", *sorted(added.values()), sep="\n  ")
    print("kept, changed:", *sorted(changed.values()), sep="\n  ")
    ids = [function_id(name) for name in FUNCTION_NAMES]
    # Each function and its version go, and its cold-start query (no cold start on the request path any more).
    assert set(removed.values()) == {
        path
        for name, f in zip(FUNCTION_NAMES, ids, strict=True)
        for path in (f"{f}/Function/Resource", f"{f}/Function/CurrentVersion/Resource", cold_start_query(name))
    }
    # What comes: the new functions and versions, the provider with its network and endpoints, its CPU alarm.
    new = set(added.values())
    for f in ids:
        assert {f"{f}/ManagedFunction/Resource", f"{f}/ManagedFunction/CurrentVersion/Resource"} <= new
    assert {"ManagedInstances/Provider/Resource", "Monitoring/ProviderCpu/Resource"} <= new
    assert {p.split("/")[0] for p in new} == {*ids, "ManagedInstances", "Monitoring", VPC_DEFAULT_SG_PROVIDER}
    kept = set(_paths(before).values()) & set(_paths(after).values())
    for f in ids:
        # Same logical ids: the log group (its logs outlive the old function) and the role; the alias keeps its id
        # but names the new function, which CloudFormation replaces.
        assert {f"{f}/LogGroup/Resource", f"{f}/Role/Resource", f"{f}/ProductionAlias/Resource"} <= kept
        assert f"{f}/LogGroup/Resource" not in changed.values() and f"{f}/Role/Resource" not in changed.values()
        assert f"{f}/ProductionAlias/Resource" in changed.values()
    # The API's integration and permissions follow the alias: updated, not replaced.
    assert {"HttpApi/Api/Resource"} <= kept
