"""The hops of releasing a version: CodeDeploy shifting an alias, the pre-traffic hook it invokes, the version the hook
calls, and Application Auto Scaling setting the alias's provisioned concurrency. Read as in ``lambda_kit.access.hops``
(which lists them with the others)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lambda_kit.access.hop_reading import (
    ACCOUNT,
    Hop,
    allows,
    as_list,
    construct_path,
    of_type,
    one,
    referenced,
    role_statements,
)
from lambda_kit.assembly.intrinsics import Resolver

PC_SERVICE_LINKED_ROLE = (
    "role/aws-service-role/lambda.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency"
)
CODEDEPLOY_ACTIONS = ["lambda:GetAlias", "lambda:GetProvisionedConcurrencyConfig", "lambda:UpdateAlias"]


def codedeploy_hops(r: Resolver, stack: str) -> list[Hop]:
    """CodeDeploy -> the alias: its own role (no AWS-managed policy), assumable by CodeDeploy for this
    application's deployment groups in this account, allowed the alias actions on this function and alias and
    DescribeAlarms on the group's rollback alarms, nothing else."""
    hops = []
    for group_id, group in of_type(r, stack, "AWS::CodeDeploy::DeploymentGroup"):
        application = referenced(r, stack, group["ApplicationName"], "AWS::CodeDeploy::Application")
        role_id = referenced(r, stack, group["ServiceRoleArn"], "AWS::IAM::Role")
        role = r.resource(stack, role_id)["Properties"]
        assert "ManagedPolicyArns" not in role, f"{role_id}: an AWS-managed policy (account-wide UpdateAlias)"
        trust = one(role["AssumeRolePolicyDocument"]["Statement"], f"statement in {role_id}'s trust policy")
        assert allows(trust, {"Service": "codedeploy.amazonaws.com"}, {"sts:AssumeRole"})
        assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
        source_arn = r.text(stack, trust["Condition"]["ArnLike"]["aws:SourceArn"])
        assert re.fullmatch(
            rf"arn:[^:]+:codedeploy:[^:]+:\$\{{AWS::AccountId\}}:deploymentgroup:\$\{{{re.escape(stack)}/{application}\}}/\*",
            source_arn,
        ), source_arn
        aliases = [
            alias_id
            for alias_id, _ in of_type(r, stack, "AWS::Lambda::Alias")
            if r.resource(stack, alias_id)
            .get("UpdatePolicy", {})
            .get("CodeDeployLambdaAliasUpdate", {})
            .get("DeploymentGroupName")
            == {"Ref": group_id}
        ]
        alias_id = one(aliases, f"shifted by {group_id}")
        function = referenced(
            r, stack, r.resource(stack, alias_id)["Properties"]["FunctionName"], "AWS::Lambda::Function"
        )
        hook = _pre_traffic_hook(r, stack, alias_id)
        allowed = {
            (a, r.text(stack, res))
            for s in role_statements(r, stack, role_id)
            for a in as_list(s["Action"])
            for res in as_list(s["Resource"])
        }
        alarms = [r.get_att(stack, a["Name"]["Ref"], "Arn") for a in group["AlarmConfiguration"]["Alarms"]]
        expected = {(a, r.get_att(stack, function, "Arn")) for a in CODEDEPLOY_ACTIONS}
        expected |= {(a, r.ref(stack, alias_id)) for a in CODEDEPLOY_ACTIONS}
        expected |= {("cloudwatch:DescribeAlarms", arn) for arn in alarms}
        # CodeDeploy invokes the hook with this role: the group's own grant is dropped (an immutable view of the role).
        expected.add(("lambda:InvokeFunction", r.get_att(stack, hook, "Arn")))
        assert allowed == expected, f"{role_id} allows {sorted(allowed - expected)}, lacks {sorted(expected - allowed)}"
        hops.append(
            Hop(
                "CodeDeploy",
                f"deployment group {construct_path(r, stack, group_id)}",
                f"alias {construct_path(r, stack, alias_id)}",
                f"codedeploy.amazonaws.com (role {construct_path(r, stack, role_id)})",
                ", ".join(CODEDEPLOY_ACTIONS) + f"; cloudwatch:DescribeAlarms on its {len(alarms)} alarms",
                "trust: aws:SourceAccount = this account, aws:SourceArn = this application's groups",
            )
        )
    return hops


def _pre_traffic_hook(r: Resolver, stack: str, alias_id: str) -> str:
    """The function the alias's CodeDeploy update invokes before it shifts traffic (BeforeAllowTrafficHook)."""
    update = r.resource(stack, alias_id)["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    assert "BeforeAllowTrafficHook" in update, f"{alias_id}: CodeDeploy shifts it without a pre-traffic hook"
    return referenced(r, stack, update["BeforeAllowTrafficHook"], "AWS::Lambda::Function")


def _shifted_aliases(r: Resolver, stack: str) -> Iterator[tuple[str, str, str]]:
    """(alias, its deployment group, its pre-traffic hook) of every alias CodeDeploy shifts."""
    for alias_id, _ in of_type(r, stack, "AWS::Lambda::Alias"):
        update = r.resource(stack, alias_id).get("UpdatePolicy", {}).get("CodeDeployLambdaAliasUpdate")
        if update:
            group = referenced(r, stack, update["DeploymentGroupName"], "AWS::CodeDeploy::DeploymentGroup")
            yield alias_id, group, _pre_traffic_hook(r, stack, alias_id)


def codedeploy_hook_hops(r: Resolver, stack: str) -> list[Hop]:
    """CodeDeploy -> each alias's pre-traffic hook: the group's role may invoke it and no other function
    (codedeploy_hops checks the whole role; invoke_permission_hops refuses any resource policy not on an alias)."""
    hops = []
    for _, group_id, hook in _shifted_aliases(r, stack):
        role_id = referenced(r, stack, r.resource(stack, group_id)["Properties"]["ServiceRoleArn"], "AWS::IAM::Role")
        hook_arn = r.get_att(stack, hook, "Arn")
        invokes = [s for s in role_statements(r, stack, role_id) if as_list(s["Action"]) == ["lambda:InvokeFunction"]]
        assert [r.text(stack, res) for s in invokes for res in as_list(s["Resource"])] == [hook_arn], role_id
        hops.append(
            Hop(
                "CodeDeploy -> hook",
                f"deployment group {construct_path(r, stack, group_id)}",
                f"function {construct_path(r, stack, hook)} (BeforeAllowTraffic)",
                f"codedeploy.amazonaws.com (role {construct_path(r, stack, role_id)})",
                "lambda:InvokeFunction",
                "role policy names this hook's ARN only; no resource policy on the hook",
            )
        )
    return hops


def hook_version_hops(r: Resolver, stack: str) -> list[Hop]:
    """Each pre-traffic hook -> the version its alias is being deployed to: the hook's environment names that version
    and its role may invoke that version alone (not the function, not $LATEST, not the alias)."""
    hops = []
    for alias_id, _, hook in _shifted_aliases(r, stack):
        version = r.resource(stack, alias_id)["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        assert r.resource(stack, version)["Type"] == "AWS::Lambda::Version"
        properties = r.resource(stack, hook)["Properties"]
        assert properties["Environment"]["Variables"]["TARGET_VERSION_ARN"] == {"Ref": version}, hook
        role_id = referenced(r, stack, properties["Role"], "AWS::IAM::Role")
        invokes = [s for s in role_statements(r, stack, role_id) if "lambda:InvokeFunction" in as_list(s["Action"])]
        assert [(s["Resource"], s.get("Condition")) for s in invokes] == [({"Ref": version}, None)], role_id
        hops.append(
            Hop(
                "hook -> version",
                f"function {construct_path(r, stack, hook)}",
                f"version {construct_path(r, stack, version)} (the alias's new version)",
                f"lambda.amazonaws.com (role {construct_path(r, stack, role_id)})",
                "lambda:InvokeFunction",
                "role policy names the version's ARN only; its environment names the same version",
            )
        )
    return hops


def autoscaling_hops(r: Resolver, stack: str) -> list[Hop]:
    """Application Auto Scaling -> the alias's provisioned concurrency, through its service-linked role (only
    that service can assume it; AWS maintains its policy)."""
    hops = []
    for target_id, target in of_type(r, stack, "AWS::ApplicationAutoScaling::ScalableTarget"):
        assert (target["ServiceNamespace"], target["ScalableDimension"]) == (
            "lambda",
            "lambda:function:ProvisionedConcurrency",
        )
        assert r.text(stack, target["RoleARN"]).endswith(f":{PC_SERVICE_LINKED_ROLE}"), target["RoleARN"]
        resource_id = r.text(stack, target["ResourceId"])
        aliases = [
            a
            for a, _ in of_type(r, stack, "AWS::Lambda::Alias")
            if resource_id == "function:" + r.ref(stack, a).split(":function:", 1)[1]
        ]
        alias_id = one(aliases, f"whose PC {target_id} scales")
        hops.append(
            Hop(
                "PC autoscaling",
                f"scalable target {construct_path(r, stack, target_id)}",
                f"alias {construct_path(r, stack, alias_id)} (provisioned concurrency)",
                "lambda.application-autoscaling.amazonaws.com (service-linked role)",
                "lambda:PutProvisionedConcurrencyConfig and reads (AWS-managed SLR policy)",
                "the role is service-linked: only Application Auto Scaling can assume it",
            )
        )
    return hops
