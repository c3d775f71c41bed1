"""Every service-to-service hop of every stage is authorized exactly (lambda_kit.access.hops derives them from the
templates). The hop kinds each stage must have follow from its settings, so an empty derivation fails."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from lambda_kit.access.hop_reading import Hop, StackTemplate
from lambda_kit.access.hops import HOP_KINDS, alarm_hops, hops, invoke_permission_hops
from lambda_kit.assembly.intrinsics import Resolver

from tests.infra.conftest import FUNCTION_NAMES, STAGES, Synth, all_routes

MANAGED_INSTANCES_KINDS = {"capacity provider", "function -> endpoint", "VPC flow logs"}  # tests/infra/test_lmi_hops.py


def _expected_kinds(synth: Synth, stage: str) -> set[str]:
    config = synth.config(stage)
    kinds = {
        "alarm action",
        "API -> function",
        "S3 access logs",
        "API access logs",
        "CodeDeploy",
        "CodeDeploy -> hook",
        "hook -> version",
        "CDK BucketDeployment",
    }
    if config.pc_max:
        kinds.add("PC autoscaling")
    if not config.is_retained:
        kinds.add("CDK autoDeleteObjects")
    if config.api_authorization == "iam":
        kinds.add("caller -> API (IAM)")
    if config.cold_start_strategy == "managed-instances":
        kinds |= MANAGED_INSTANCES_KINDS if config.lmi_vpc_id is None else MANAGED_INSTANCES_KINDS - {"VPC flow logs"}
    return kinds


def _derive(derivation: Callable[[StackTemplate], Iterator[Hop]], templates, stack: str) -> list[Hop]:
    """Every hop of one derivation in ``stack``: a derivation checks each hop as it yields it."""
    return list(derivation(StackTemplate(Resolver(templates), stack)))


def _stage_templates(synth: Synth, stage: str):
    return {synth.config(stage).stack_name(kind): synth.template(stage, kind) for kind in ("data", "service")}


@pytest.mark.parametrize("stage", STAGES)
def test_every_hop_is_authorized(synth: Synth, stage: str) -> None:
    kinds = Counter(kind for _, kind, _ in hops(_stage_templates(synth, stage)))
    assert kinds, "no hop derived from the templates"
    assert set(kinds) == _expected_kinds(synth, stage)
    # One hop per alarm and per route: a new alarm or route is covered without editing this test.
    service = synth.template(stage, "service")["Resources"]
    alarms = [r for r in service.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    routes = [r for r in service.values() if r["Type"] == "AWS::ApiGatewayV2::Route"]
    assert kinds["alarm action"] == len(alarms) >= 4
    assert kinds["API -> function"] == len(routes) == len(all_routes())
    # Every alias CodeDeploy shifts has its hook, which invokes that alias's new version.
    aliases = [r for r in service.values() if r["Type"] == "AWS::Lambda::Alias"]
    for kind in ("CodeDeploy", "CodeDeploy -> hook", "hook -> version"):
        assert kinds[kind] == len(aliases) == len(FUNCTION_NAMES), kind


def test_every_hop_kind_is_used(synth: Synth) -> None:
    assert set(HOP_KINDS) - MANAGED_INSTANCES_KINDS == _expected_kinds(synth, "dev") | _expected_kinds(synth, "prod")


# --- the checks can fail: break one policy at a time -----------------------------------------------------------------


def _service(synth: Synth):
    templates = copy.deepcopy(_stage_templates(synth, "prod"))
    stack = synth.config("prod").stack_name("service")
    return templates, stack, templates[stack]["Resources"]


def _topic_statements(resources):
    (policy,) = [r for r in resources.values() if r["Type"] == "AWS::SNS::TopicPolicy"]
    return policy["Properties"]["PolicyDocument"]["Statement"]


def test_topic_policy_with_only_the_tls_deny_drops_notifications(synth: Synth) -> None:
    templates, stack, resources = _service(synth)
    statements = _topic_statements(resources)
    statements[:] = [s for s in statements if s["Effect"] == "Deny"]  # what the stack had before
    with pytest.raises(AssertionError, match=r"allowing cloudwatch\.amazonaws\.com sns:Publish"):
        _derive(alarm_hops, templates, stack)


def test_topic_policy_without_source_conditions_is_refused(synth: Synth) -> None:
    templates, stack, resources = _service(synth)
    allow = next(s for s in _topic_statements(resources) if s["Effect"] == "Allow")
    del allow["Condition"]["StringEquals"]
    with pytest.raises(KeyError):
        _derive(alarm_hops, templates, stack)


def test_new_alarm_without_source_arn_is_caught(synth: Synth) -> None:
    templates, stack, resources = _service(synth)
    alarm = copy.deepcopy(next(r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"))
    resources["NewAlarm"] = alarm  # notifies the topic, but the topic policy does not name it
    with pytest.raises(AssertionError, match="NewAlarm"):
        _derive(alarm_hops, templates, stack)


def test_permission_for_any_method_or_no_route_is_refused(synth: Synth) -> None:
    templates, stack, resources = _service(synth)
    permission = next(r for r in resources.values() if r["Type"] == "AWS::Lambda::Permission")
    join = permission["Properties"]["SourceArn"]["Fn::Join"][1]
    join[-1] = join[-1].replace("/POST/", "/DELETE/").replace("/GET/", "/DELETE/")
    with pytest.raises(AssertionError, match="which is no route"):
        _derive(invoke_permission_hops, templates, stack)
    del permission["Properties"]["SourceArn"]
    with pytest.raises(AssertionError, match="any API in any account"):
        _derive(invoke_permission_hops, templates, stack)


def test_managed_policy_on_the_codedeploy_role_is_refused(synth: Synth) -> None:
    templates, stack, resources = _service(synth)
    role = next(
        k for k, r in resources.items() if k.startswith("DeploymentServiceRole") and r["Type"] == "AWS::IAM::Role"
    )
    resources[role]["Properties"]["ManagedPolicyArns"] = [
        "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"
    ]
    with pytest.raises(AssertionError, match="AWS-managed policy"):
        _derive(HOP_KINDS["CodeDeploy"], templates, stack)


def _of_type(resources, kind):
    return {k: r for k, r in resources.items() if r["Type"] == kind}


def _policy_of(resources, role_prefix):
    """The policy document of the first function's role whose logical id starts with ``role_prefix``."""
    [document] = [
        r["Properties"]["PolicyDocument"]
        for r in _of_type(resources, "AWS::IAM::Policy").values()
        if r["Properties"]["Roles"][0]["Ref"].startswith(role_prefix)
    ]
    return document


def test_an_alias_shifted_without_a_hook_is_refused(synth: Synth) -> None:
    templates, stack, resources = _service(synth)
    for alias in _of_type(resources, "AWS::Lambda::Alias").values():
        del alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]["BeforeAllowTrafficHook"]
    for kind in ("CodeDeploy", "CodeDeploy -> hook", "hook -> version"):
        with pytest.raises(AssertionError, match="without a pre-traffic hook"):
            _derive(HOP_KINDS[kind], templates, stack)


def test_a_codedeploy_role_that_may_not_invoke_its_hook_is_refused(synth: Synth) -> None:
    # What CDK's own grant would leave: nothing, since the group holds an immutable view of the role.
    templates, stack, resources = _service(synth)
    policy = _policy_of(resources, "DeploymentServiceRole")
    policy["Statement"] = [s for s in policy["Statement"] if s["Action"] != "lambda:InvokeFunction"]
    with pytest.raises(AssertionError, match=r"lacks \[\('lambda:InvokeFunction'"):
        _derive(HOP_KINDS["CodeDeploy"], templates, stack)


def test_a_hook_that_may_invoke_the_whole_function_is_refused(synth: Synth) -> None:
    templates, stack, resources = _service(synth)
    [function_id] = [k for k, r in _of_type(resources, "AWS::Lambda::Function").items() if k.startswith("Orders")]
    for statement in _policy_of(resources, "DeploymentPreTrafficHookRole")["Statement"]:
        if statement["Action"] == "lambda:InvokeFunction":
            statement["Resource"] = {"Fn::GetAtt": [function_id, "Arn"]}  # every version, $LATEST included
    with pytest.raises(AssertionError, match="DeploymentPreTrafficHookRole"):
        _derive(HOP_KINDS["hook -> version"], templates, stack)
