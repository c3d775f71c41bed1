"""Each API function's pre-traffic hook, per stage: one code asset for all, an environment that names the version being
deployed and the function's declared smoke cases, no async retries, and a role that IAM reads as exactly three rights:
invoke that version, report to that function's deployment group, delete smoke items under the reserved prefix."""

from __future__ import annotations

import json
from typing import Any

import pytest
from lambda_kit.access.iam_reading import Permissions, Request, role_permissions
from lambda_kit.assembly.intrinsics import Resolver

from stacks.constructs.pre_traffic_hook import HOOK_HANDLER
from stacks.service_stack import FUNCTIONS
from stacks.smoke_cases import SMOKE_ID_PREFIX
from tests.infra.conftest import FUNCTION_NAMES, STAGES, Synth, shared_id, synthesize

# What a deployment fills in, as example values (tests/infra/orders_role.py uses the same account and region).
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "ap-northeast-1", "AWS::AccountId": "123456789012"}
LAMBDA = "arn:aws:lambda:ap-northeast-1:123456789012:function"
CODEDEPLOY = "arn:aws:codedeploy:ap-northeast-1:123456789012:deploymentgroup"
TABLE = "arn:aws:dynamodb:ap-northeast-1:123456789012:table/orders-table"


def _hook(synth: Synth, stage: str, name: str) -> tuple[str, dict[str, Any]]:
    return synth.at(stage, "service", f"Deployment/{shared_id(name, 'PreTrafficHook')}/Function")


class HookRole:
    """The hook role of function ``name`` as IAM reads it, with physical names bound for what CloudFormation names."""

    def __init__(self, synth: Synth, stage: str, name: str) -> None:
        service, data = (synth.config(stage).stack_name(kind) for kind in ("service", "data"))
        resolver = Resolver(synth.templates, pseudo=PSEUDO)
        version_id, _ = synth.of_function(stage, name, "AWS::Lambda::Version")
        self.version = f"{LAMBDA}:{name}-function:7"
        resolver.physical[(service, version_id)] = self.version
        for what, value in (("Application", "app"), (f"{shared_id(name, 'DeploymentGroup')}", "group")):
            resolver.physical[(service, synth.at(stage, "service", f"Deployment/{what}")[0])] = value
        self.group = f"{CODEDEPLOY}:app/group"
        resolver.physical[(data, synth.at(stage, "data", "Orders/Table")[0])] = "orders-table"
        log_group_id, _ = synth.at(stage, "service", f"Deployment/{shared_id(name, 'PreTrafficHook')}/LogGroup")
        resolver.physical[(service, log_group_id)] = "hook-logs"
        self.log_group = "arn:aws:logs:ap-northeast-1:123456789012:log-group:hook-logs:*"
        _, hook = _hook(synth, stage, name)
        self.permissions: Permissions = role_permissions(resolver, service, hook["Properties"]["Role"]["Fn::GetAtt"][0])

    def allows(self, action: str, resource: str, **context: Any) -> bool:
        return self.permissions.allows_request(Request(action, resource), context)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
@pytest.mark.parametrize("stage", STAGES)
def test_the_hook_runs_the_declared_cases_against_the_new_version(synth: Synth, stage: str, name: str) -> None:
    spec = next(spec for spec in FUNCTIONS if spec.name == name)
    hook_id, hook = _hook(synth, stage, name)
    props = hook["Properties"]
    assert (props["Handler"], props["Runtime"], props["Timeout"]) == (HOOK_HANDLER, "python3.14", 300)
    _, alias = synth.of_function(stage, name, "AWS::Lambda::Alias")
    version = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
    env = props["Environment"]["Variables"]
    assert env["TARGET_VERSION_ARN"] == {"Ref": version}  # the version the alias is being deployed to
    assert json.loads(env["SMOKE_CASES"]) == [case.as_json() for case in spec.smoke.cases]
    assert env["LATENCY_BUDGET_MS"] == str(spec.smoke.latency_budget_ms)
    assert env["SMOKE_ID_PREFIX"] == SMOKE_ID_PREFIX
    assert "TracingConfig" not in props and props["LoggingConfig"]["LogFormat"] == "Text"
    [retries] = [
        r["Properties"]
        for r in synth.resources(stage, "service", "AWS::Lambda::EventInvokeConfig").values()
        if r["Properties"]["FunctionName"] == {"Ref": hook_id}
    ]
    assert retries["MaximumRetryAttempts"] == 0  # CodeDeploy's invocation is asynchronous: no second run


def test_one_hook_asset_for_every_function_and_stage(synth: Synth) -> None:
    keys = {_hook(synth, stage, name)[1]["Properties"]["Code"]["S3Key"] for stage in STAGES for name in FUNCTION_NAMES}
    assert len(keys) == 1
    asset = synth.outdir / f"asset.{keys.pop().removesuffix('.zip')}"
    assert sorted(p.relative_to(asset).as_posix() for p in asset.rglob("*.py")) == [
        f"pre_traffic_hook/{module}.py"
        for module in ("__init__", "handler", "hook", "lifecycle", "plan", "smoke", "version")
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_the_orders_hook_cleans_up_its_own_order(synth: Synth, stage: str) -> None:
    env = _hook(synth, stage, FUNCTION_NAMES[0])[1]["Properties"]["Environment"]["Variables"]
    resolver = Resolver(synth.templates)
    [cleanup] = json.loads(resolver.text(synth.config(stage).stack_name("service"), env["SMOKE_CLEANUP"]))
    table_id, _ = synth.at(stage, "data", "Orders/Table")
    assert cleanup == {
        "table": f"${{{synth.config(stage).stack_name('data')}/{table_id}}}",
        "key": "order_id",
        "value": "{smoke_id}",
    }


@pytest.mark.parametrize("stage", STAGES)
def test_the_orders_hook_role_as_iam_reads_it(synth: Synth, stage: str) -> None:
    role = HookRole(synth, stage, FUNCTION_NAMES[0])
    print(f"\n{stage} orders hook role: {json.dumps(role.permissions.allowed_per_resource(), indent=1)}")
    assert role.permissions.allowed_per_resource() == {
        role.version: ["lambda:InvokeFunction"],
        role.group: ["codedeploy:PutLifecycleEventHookExecutionStatus"],
        TABLE: ["dynamodb:DeleteItem"],
        role.log_group: ["logs:CreateLogStream", "logs:PutLogEvents"],
    }
    assert role.permissions.denies == ()
    # Invoke: this version only; not the function ($LATEST), another version or the alias.
    assert role.allows("lambda:InvokeFunction", role.version)
    for other in (role.version.rsplit(":", 1)[0], role.version[:-1] + "6", role.version[:-1] + "production"):
        assert not role.allows("lambda:InvokeFunction", other), other
    # Report: to this function's deployment group only.
    assert role.allows("codedeploy:PutLifecycleEventHookExecutionStatus", role.group)
    assert not role.allows("codedeploy:PutLifecycleEventHookExecutionStatus", f"{CODEDEPLOY}:app/other-group")
    # Delete: keys under the reserved prefix only.
    assert role.allows("dynamodb:DeleteItem", TABLE, **{"dynamodb:LeadingKeys": [f"{SMOKE_ID_PREFIX}d-ABCDEF123"]})
    assert not role.allows("dynamodb:DeleteItem", TABLE, **{"dynamodb:LeadingKeys": ["order-0001"]})
    assert not role.allows("dynamodb:PutItem", TABLE, **{"dynamodb:LeadingKeys": [f"{SMOKE_ID_PREFIX}d-1"]})


@pytest.mark.parametrize("name", FUNCTION_NAMES)
@pytest.mark.parametrize("stage", STAGES)
def test_the_deployment_group_role_may_invoke_exactly_its_hook(synth: Synth, stage: str, name: str) -> None:
    service = synth.config(stage).stack_name("service")
    group = synth.at(stage, "service", f"Deployment/{shared_id(name, 'DeploymentGroup')}")[1]["Properties"]
    resolver = Resolver(synth.templates, pseudo=PSEUDO)
    hook_id, _ = _hook(synth, stage, name)
    resolver.physical[(service, hook_id)] = "the-hook"
    allowed = role_permissions(resolver, service, group["ServiceRoleArn"]["Fn::GetAtt"][0])
    invocable = [g.resource for g in allowed.allows if g.action == "lambda:InvokeFunction"]
    assert invocable == [f"{LAMBDA}:the-hook"]


def test_a_budget_the_timeout_cuts_short_fails_synth(tmp_path_factory: pytest.TempPathFactory) -> None:
    # A case could never be over a 1000 ms budget when the function stops at 1 s.
    with pytest.raises(ValueError, match=r"LATENCY_BUDGET_MS=1000 is not allowed: less than the stage's timeout"):
        synthesize(tmp_path_factory.mktemp("short"), stage="dev", **{"dev.timeout_seconds": "1", "guard": "false"})
