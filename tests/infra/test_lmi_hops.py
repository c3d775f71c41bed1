"""The hops of a managed-instances stage (the session's ``lmi`` synth), all authorized: besides the other stages',
the capacity provider's operator role, each VPC endpoint the functions' calls leave through, the VPC's flow logs. Then
each check is broken once, on a copy of the templates, and must refuse it."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest
from lambda_kit.access.hops import HOP_KINDS, hops

from tests.infra.conftest import Synth
from tests.infra.test_hops import MANAGED_INSTANCES_KINDS, _derive, _expected_kinds

pytestmark = pytest.mark.xdist_group("lmi")


def _templates(lmi: Synth) -> tuple[dict[str, Any], str, dict[str, Any]]:
    templates = copy.deepcopy({lmi.config("dev").stack_name(k): lmi.template("dev", k) for k in ("data", "service")})
    stack = lmi.config("dev").stack_name("service")
    return templates, stack, templates[stack]["Resources"]


def _one(resources: dict[str, Any], type_: str, path: str = "") -> dict[str, Any]:
    (found,) = [r for r in resources.values() if r["Type"] == type_ and path in r["Metadata"]["aws:cdk:path"]]
    return found


def test_every_hop_of_a_managed_instances_stage_is_authorized(lmi: Synth) -> None:
    templates, _, resources = _templates(lmi)
    kinds = Counter(kind for _, kind, _ in hops(templates))
    assert set(kinds) == _expected_kinds(lmi, "dev")
    assert set(kinds) >= MANAGED_INSTANCES_KINDS
    endpoints = [r for r in resources.values() if r["Type"] == "AWS::EC2::VPCEndpoint"]
    assert kinds["function -> endpoint"] == len(endpoints) == 5
    assert set(HOP_KINDS) == _expected_kinds(lmi, "dev") | {"PC autoscaling", "caller -> API (IAM)"}


def test_an_operator_role_any_account_could_have_lambda_assume_is_refused(lmi: Synth) -> None:
    templates, stack, resources = _templates(lmi)
    role = _one(resources, "AWS::IAM::Role", "/OperatorRole/")
    del role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    with pytest.raises(AssertionError, match="any account"):
        _derive(HOP_KINDS["capacity provider"], templates, stack)


def test_an_operator_role_writing_other_log_groups_is_refused(lmi: Synth) -> None:
    templates, stack, resources = _templates(lmi)
    policy = _one(resources, "AWS::IAM::Policy", "/OperatorRole/")
    policy["Properties"]["PolicyDocument"]["Statement"][0]["Resource"] = "*"
    with pytest.raises(AssertionError, match="OperatorRole"):
        _derive(HOP_KINDS["capacity provider"], templates, stack)


def test_an_endpoint_open_to_other_accounts_or_wider_than_the_roles_is_refused(lmi: Synth) -> None:
    templates, stack, resources = _templates(lmi)
    statement = _one(resources, "AWS::EC2::VPCEndpoint", "/Endpoints/S3")["Properties"]["PolicyDocument"]["Statement"][
        0
    ]
    statement["Resource"] = "*"  # any bucket: a way out for the function's data
    with pytest.raises(AssertionError, match="allows what no role acting from the instances may"):
        _derive(HOP_KINDS["function -> endpoint"], templates, stack)
    del statement["Condition"]
    with pytest.raises(AssertionError, match="any account's principals"):
        _derive(HOP_KINDS["function -> endpoint"], templates, stack)


def test_a_service_the_roles_call_without_an_endpoint_is_refused(lmi: Synth) -> None:
    templates, stack, resources = _templates(lmi)
    (logs_id,) = [k for k, r in resources.items() if "/Endpoints/Logs/" in r["Metadata"]["aws:cdk:path"]]
    del resources[logs_id]  # the functions' logs would have no way out of the VPC
    with pytest.raises(AssertionError, match=r"no way out for \['logs'\]"):
        _derive(HOP_KINDS["function -> endpoint"], templates, stack)


def test_an_interface_endpoint_reachable_from_the_whole_vpc_is_refused(lmi: Synth) -> None:
    templates, stack, resources = _templates(lmi)
    rule = _one(resources, "AWS::EC2::SecurityGroupIngress")["Properties"]
    del rule["SourceSecurityGroupId"]
    rule["CidrIp"] = "10.0.0.0/16"
    with pytest.raises(AssertionError, match="takes"):
        _derive(HOP_KINDS["function -> endpoint"], templates, stack)


def test_a_flow_log_role_any_account_could_use_is_refused(lmi: Synth) -> None:
    templates, stack, resources = _templates(lmi)
    role = _one(resources, "AWS::IAM::Role", "/FlowLogRole/")
    role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"] = {}
    with pytest.raises(AssertionError, match="FlowLogRole"):
        _derive(HOP_KINDS["VPC flow logs"], templates, stack)
