"""The hops of releasing a version: CodeDeploy shifting an alias, the pre-traffic hook it invokes, the version the hook
calls, and Application Auto Scaling setting the alias's provisioned concurrency. Read as in ``lambda_kit.access.hops``
(which lists them with the others)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lambda_kit.access.hop_reading import ACCOUNT, Hop, StackTemplate, allows, as_list, one

PC_SERVICE_LINKED_ROLE = (
    "role/aws-service-role/lambda.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency"
)
CODEDEPLOY_ACTIONS = ["lambda:GetAlias", "lambda:GetProvisionedConcurrencyConfig", "lambda:UpdateAlias"]


def codedeploy_hops(t: StackTemplate) -> Iterator[Hop]:
    """CodeDeploy -> the alias: its own role (no AWS-managed policy), assumable by CodeDeploy for this
    application's deployment groups in this account, allowed the alias actions on this function and alias and
    DescribeAlarms on the group's rollback alarms, nothing else."""
    for group_id, group in t.of_type("AWS::CodeDeploy::DeploymentGroup"):
        application = t.referenced(group["ApplicationName"], "AWS::CodeDeploy::Application")
        role_id = t.referenced(group["ServiceRoleArn"], "AWS::IAM::Role")
        role = t.resource(role_id)["Properties"]
        assert "ManagedPolicyArns" not in role, f"{role_id}: an AWS-managed policy (account-wide UpdateAlias)"
        trust = one(role["AssumeRolePolicyDocument"]["Statement"], f"statement in {role_id}'s trust policy")
        assert allows(trust, {"Service": "codedeploy.amazonaws.com"}, {"sts:AssumeRole"})
        assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
        source_arn = t.text(trust["Condition"]["ArnLike"]["aws:SourceArn"])
        assert re.fullmatch(
            rf"arn:[^:]+:codedeploy:[^:]+:\$\{{AWS::AccountId\}}:deploymentgroup:\$\{{{re.escape(t.stack)}/{application}\}}/\*",
            source_arn,
        ), source_arn
        aliases = [
            alias_id
            for alias_id, _ in t.of_type("AWS::Lambda::Alias")
            if t.resource(alias_id)
            .get("UpdatePolicy", {})
            .get("CodeDeployLambdaAliasUpdate", {})
            .get("DeploymentGroupName")
            == {"Ref": group_id}
        ]
        alias_id = one(aliases, f"shifted by {group_id}")
        function = t.referenced(t.resource(alias_id)["Properties"]["FunctionName"], "AWS::Lambda::Function")
        hook = _pre_traffic_hook(t, alias_id)
        allowed = {
            (a, t.text(res))
            for s in t.role_statements(role_id)
            for a in as_list(s["Action"])
            for res in as_list(s["Resource"])
        }
        alarms = [t.get_att(a["Name"]["Ref"], "Arn") for a in group["AlarmConfiguration"]["Alarms"]]
        expected = {(a, t.get_att(function, "Arn")) for a in CODEDEPLOY_ACTIONS}
        expected |= {(a, t.ref(alias_id)) for a in CODEDEPLOY_ACTIONS}
        expected |= {("cloudwatch:DescribeAlarms", arn) for arn in alarms}
        # CodeDeploy invokes the hook with this role: the group's own grant is dropped (an immutable view of the role).
        expected.add(("lambda:InvokeFunction", t.get_att(hook, "Arn")))
        assert allowed == expected, f"{role_id} allows {sorted(allowed - expected)}, lacks {sorted(expected - allowed)}"
        yield Hop(
            f"deployment group {t.path(group_id)}",
            f"alias {t.path(alias_id)}",
            f"codedeploy.amazonaws.com (role {t.path(role_id)})",
            ", ".join(CODEDEPLOY_ACTIONS) + f"; cloudwatch:DescribeAlarms on its {len(alarms)} alarms",
            "trust: aws:SourceAccount = this account, aws:SourceArn = this application's groups",
        )


def _pre_traffic_hook(t: StackTemplate, alias_id: str) -> str:
    """The function the alias's CodeDeploy update invokes before it shifts traffic (BeforeAllowTrafficHook)."""
    update = t.resource(alias_id)["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    assert "BeforeAllowTrafficHook" in update, f"{alias_id}: CodeDeploy shifts it without a pre-traffic hook"
    return t.referenced(update["BeforeAllowTrafficHook"], "AWS::Lambda::Function")


def _shifted_aliases(t: StackTemplate) -> Iterator[tuple[str, str, str]]:
    """(alias, its deployment group, its pre-traffic hook) of every alias CodeDeploy shifts."""
    for alias_id, _ in t.of_type("AWS::Lambda::Alias"):
        update = t.resource(alias_id).get("UpdatePolicy", {}).get("CodeDeployLambdaAliasUpdate")
        if update:
            group = t.referenced(update["DeploymentGroupName"], "AWS::CodeDeploy::DeploymentGroup")
            yield alias_id, group, _pre_traffic_hook(t, alias_id)


def codedeploy_hook_hops(t: StackTemplate) -> Iterator[Hop]:
    """CodeDeploy -> each alias's pre-traffic hook: the group's role may invoke it and no other function
    (codedeploy_hops checks the whole role; invoke_permission_hops refuses any resource policy not on an alias)."""
    for _, group_id, hook in _shifted_aliases(t):
        role_id = t.referenced(t.resource(group_id)["Properties"]["ServiceRoleArn"], "AWS::IAM::Role")
        hook_arn = t.get_att(hook, "Arn")
        invokes = [s for s in t.role_statements(role_id) if as_list(s["Action"]) == ["lambda:InvokeFunction"]]
        assert [t.text(res) for s in invokes for res in as_list(s["Resource"])] == [hook_arn], role_id
        yield Hop(
            f"deployment group {t.path(group_id)}",
            f"function {t.path(hook)} (BeforeAllowTraffic)",
            f"codedeploy.amazonaws.com (role {t.path(role_id)})",
            "lambda:InvokeFunction",
            "role policy names this hook's ARN only; no resource policy on the hook",
        )


def hook_version_hops(t: StackTemplate) -> Iterator[Hop]:
    """Each pre-traffic hook -> the version its alias is being deployed to: the hook's environment names that version
    and its role may invoke that version alone (not the function, not $LATEST, not the alias)."""
    for alias_id, _, hook in _shifted_aliases(t):
        version = t.resource(alias_id)["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        assert t.resource(version)["Type"] == "AWS::Lambda::Version"
        properties = t.resource(hook)["Properties"]
        assert properties["Environment"]["Variables"]["TARGET_VERSION_ARN"] == {"Ref": version}, hook
        role_id = t.referenced(properties["Role"], "AWS::IAM::Role")
        invokes = [s for s in t.role_statements(role_id) if "lambda:InvokeFunction" in as_list(s["Action"])]
        assert [(s["Resource"], s.get("Condition")) for s in invokes] == [({"Ref": version}, None)], role_id
        yield Hop(
            f"function {t.path(hook)}",
            f"version {t.path(version)} (the alias's new version)",
            f"lambda.amazonaws.com (role {t.path(role_id)})",
            "lambda:InvokeFunction",
            "role policy names the version's ARN only; its environment names the same version",
        )


def autoscaling_hops(t: StackTemplate) -> Iterator[Hop]:
    """Application Auto Scaling -> the alias's provisioned concurrency, through its service-linked role (only
    that service can assume it; AWS maintains its policy)."""
    for target_id, target in t.of_type("AWS::ApplicationAutoScaling::ScalableTarget"):
        assert (target["ServiceNamespace"], target["ScalableDimension"]) == (
            "lambda",
            "lambda:function:ProvisionedConcurrency",
        )
        assert t.text(target["RoleARN"]).endswith(f":{PC_SERVICE_LINKED_ROLE}"), target["RoleARN"]
        resource_id = t.text(target["ResourceId"])
        aliases = [
            a
            for a, _ in t.of_type("AWS::Lambda::Alias")
            if resource_id == "function:" + t.ref(a).split(":function:", 1)[1]
        ]
        alias_id = one(aliases, f"whose PC {target_id} scales")
        yield Hop(
            f"scalable target {t.path(target_id)}",
            f"alias {t.path(alias_id)} (provisioned concurrency)",
            "lambda.application-autoscaling.amazonaws.com (service-linked role)",
            "lambda:PutProvisionedConcurrencyConfig and reads (AWS-managed SLR policy)",
            "the role is service-linked: only Application Auto Scaling can assume it",
        )
