"""Every place where one AWS service acts on a resource of this app, derived from the synthesized templates, and
the policy that authorizes it, read as AWS evaluates it.

Each ``*_hops`` function finds its hops in one stack's template, from what it declares (every alarm action, every
Lambda permission, every bucket logging configuration, every API access-log destination, every CodeDeploy group and its
alias's pre-traffic hook, every scalable target (``lambda_kit.access.deployment_hops``), every CDK custom resource, every IAM-authorized route; on managed
instances the capacity provider's operator role, the VPC endpoints its functions' calls leave through and the VPC's
flow logs, ``lambda_kit.access.network_hops``), checks the resource or role policy that allows exactly that principal
and action (with aws:SourceAccount / aws:SourceArn where AWS supports them), and yields one row per hop; ``HOP_KINDS``
names each function's kind of hop. An unauthorized hop raises AssertionError naming it.

``lambda-kit hops [--assembly cdk.out] [--stack GLOB]`` prints the table (after `cdk synth`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from lambda_kit import config as kit_config
from lambda_kit.access.deployment_hops import autoscaling_hops, codedeploy_hook_hops, codedeploy_hops, hook_version_hops
from lambda_kit.access.hop_reading import ACCOUNT, Hop, StackTemplate, allows, as_list, one
from lambda_kit.access.network_hops import capacity_provider_hops, endpoint_hops, flow_log_hops
from lambda_kit.assembly.cloud_assembly import AssemblyError, add_selection_args, selected_stacks
from lambda_kit.assembly.intrinsics import Resolver

TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}
AUTO_DELETE_ACTIONS = ["s3:DeleteObject*", "s3:GetBucket*", "s3:List*", "s3:PutBucketPolicy"]


def _bucket_policy(t: StackTemplate, bucket: str) -> list[Mapping[str, Any]]:
    return [
        s
        for _, policy in t.of_type("AWS::S3::BucketPolicy")
        if policy["Bucket"] == {"Ref": bucket}
        for s in policy["PolicyDocument"]["Statement"]
    ]


def alarm_hops(t: StackTemplate) -> Iterator[Hop]:
    """Alarm actions -> SNS topic: the topic policy must allow CloudWatch to publish, for these alarms only (a
    topic policy replaces SNS's default one), and keep the TLS-only Deny."""
    for alarm_id, alarm in t.of_type("AWS::CloudWatch::Alarm"):
        actions = {
            json.dumps(a)
            for key in ("AlarmActions", "OKActions", "InsufficientDataActions")
            for a in alarm.get(key, [])
        }
        assert actions, f"{t.stack}/{alarm_id} notifies no one"
        for action in sorted(actions):
            topic = t.referenced(json.loads(action), "AWS::SNS::Topic")
            statements = [
                s
                for _, policy in t.of_type("AWS::SNS::TopicPolicy")
                if {"Ref": topic} in policy["Topics"]
                for s in policy["PolicyDocument"]["Statement"]
            ]
            allow = one(
                [s for s in statements if allows(s, {"Service": "cloudwatch.amazonaws.com"}, {"sns:Publish"})],
                f"statement allowing cloudwatch.amazonaws.com sns:Publish on {topic}",
            )
            assert allow["Resource"] == {"Ref": topic}
            assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
            source_arns = as_list(allow["Condition"]["ArnLike"]["aws:SourceArn"])
            assert {"Fn::GetAtt": [alarm_id, "Arn"]} in source_arns, (
                f"the topic policy's aws:SourceArn lacks {alarm_id}"
            )
            assert any(s["Effect"] == "Deny" and s.get("Condition") == TLS_ONLY for s in statements), "TLS-only Deny"
            yield Hop(
                f"alarm {t.path(alarm_id)}",
                f"topic {t.path(topic)}",
                "cloudwatch.amazonaws.com",
                "sns:Publish",
                "aws:SourceAccount = this account, aws:SourceArn = this alarm (topic policy; TLS only)",
            )


_EXECUTE_API = re.compile(r"^arn:[^:]+:execute-api:[^:]+:\$\{AWS::AccountId\}:\$\{(?P<api>[^}]+)\}/\*/(?P<route>.+)$")


def invoke_permission_hops(t: StackTemplate) -> Iterator[Hop]:
    """API Gateway -> the alias: one Lambda permission per route, naming the route's method and path; none on
    the function itself (that would allow $LATEST)."""
    routes = {(props["ApiId"]["Ref"], props["RouteKey"]) for _, props in t.of_type("AWS::ApiGatewayV2::Route")}
    permitted = set()
    for permission_id, permission in t.of_type("AWS::Lambda::Permission"):
        alias = t.referenced(permission["FunctionName"], "AWS::Lambda::Alias")
        assert (permission["Principal"], permission["Action"]) == ("apigateway.amazonaws.com", "lambda:InvokeFunction")
        assert "SourceArn" in permission, f"{permission_id}: any API in any account could invoke"
        match = _EXECUTE_API.match(t.text(permission["SourceArn"]))
        assert match, f"{permission_id}: SourceArn {t.text(permission['SourceArn'])} names no route"
        api = match["api"].split("/", 1)[1]
        method, path = match["route"].split("/", 1)
        route_key = f"{method} /{path}"
        # A permission for any method ("*", CDK's default) covers every route on its path.
        covered = {
            (a, k) for a, k in routes if a == api and (k == route_key or (method == "*" and k.endswith(f" /{path}")))
        }
        assert covered, f"{permission_id} allows {route_key}, which is no route of {api}"
        permitted |= covered
        yield Hop(
            f"route {route_key}",
            f"alias {t.path(alias)}",
            "apigateway.amazonaws.com",
            "lambda:InvokeFunction",
            f"aws:SourceArn = <api>/*/{method}/{path} (Lambda permission)",
        )
    assert permitted == routes, f"routes without exactly one permission: {routes - permitted}"


def bucket_logging_hops(t: StackTemplate) -> Iterator[Hop]:
    """S3 server access logging -> the log bucket: its policy allows logging.s3.amazonaws.com to put objects
    under the prefix, for this source bucket and account only."""
    for bucket_id, bucket in t.of_type("AWS::S3::Bucket"):
        logging = bucket.get("LoggingConfiguration")
        if not logging:
            continue
        destination = t.referenced(logging["DestinationBucketName"], "AWS::S3::Bucket")
        statements = _bucket_policy(t, destination)
        allow = one(
            [s for s in statements if allows(s, {"Service": "logging.s3.amazonaws.com"}, {"s3:PutObject"})],
            f"statement allowing S3 log delivery into {destination}",
        )
        assert t.text(allow["Resource"]) == t.get_att(destination, "Arn") + f"/{logging['LogFilePrefix']}*"
        assert allow["Condition"] == {
            "ArnLike": {"aws:SourceArn": {"Fn::GetAtt": [bucket_id, "Arn"]}},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        }
        yield Hop(
            f"bucket {t.path(bucket_id)}",
            f"bucket {t.path(destination)} ({logging['LogFilePrefix']}*)",
            "logging.s3.amazonaws.com",
            "s3:PutObject",
            "aws:SourceAccount = this account, aws:SourceArn = the source bucket (bucket policy)",
        )


def access_log_delivery_hops(t: StackTemplate) -> Iterator[Hop]:
    """HTTP API access logs -> the log group, through CloudWatch Logs' log delivery: a log-group resource policy
    for delivery.logs.amazonaws.com, this group, deliveries of this account only."""
    documents = [json.loads(t.text(p["PolicyDocument"])) for _, p in t.of_type("AWS::Logs::ResourcePolicy")]
    for stage_id, api_stage in t.of_type("AWS::ApiGatewayV2::Stage"):
        destination = api_stage.get("AccessLogSettings", {}).get("DestinationArn")
        if not destination:  # no access logs: no hop (cdk-nag's APIG1 is the rule that asks for them)
            continue
        group = t.referenced(destination, "AWS::Logs::LogGroup")
        group_arn = t.text(destination)
        allow = one(
            [
                s
                for d in documents
                for s in d["Statement"]
                if allows(s, {"Service": "delivery.logs.amazonaws.com"}, {"logs:CreateLogStream", "logs:PutLogEvents"})
                and s["Resource"] == group_arn
            ],
            f"statement allowing log delivery into {group}",
        )
        assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": "${AWS::AccountId}"}
        assert re.fullmatch(
            r"arn:[^:]+:logs:[^:]+:\$\{AWS::AccountId\}:\*", allow["Condition"]["ArnLike"]["aws:SourceArn"]
        )
        yield Hop(
            f"API stage {t.path(stage_id)}",
            f"log group {t.path(group)}",
            "delivery.logs.amazonaws.com",
            "logs:CreateLogStream, logs:PutLogEvents",
            "aws:SourceAccount = this account, aws:SourceArn = this account's log deliveries (log-group policy)",
        )


def _function_role(t: StackTemplate, function_value: Any) -> str:
    function = t.resource(t.referenced(function_value, "AWS::Lambda::Function"))
    return t.referenced(function["Properties"]["Role"], "AWS::IAM::Role")


def bucket_deployment_hops(t: StackTemplate) -> Iterator[Hop]:
    """CDK's BucketDeployment -> the config bucket: its function's role writes to the destination bucket only and
    reads only the CDK assets bucket besides."""
    for deployment_id, deployment in t.of_type("Custom::CDKBucketDeployment"):
        role_id = _function_role(t, deployment["ServiceToken"])
        destination = t.referenced(deployment["DestinationBucketName"], "AWS::S3::Bucket")
        destination_arn = t.get_att(destination, "Arn")
        sources = {f"arn:aws:s3:::{t.text(name)}" for name in deployment["SourceBucketNames"]}
        writes = {"s3:Abort*", "s3:DeleteObject*", "s3:PutObject", "s3:PutObjectLegalHold", "s3:PutObjectRetention"}
        writes |= {"s3:PutObjectTagging", "s3:PutObjectVersionTagging"}
        for statement in t.role_statements(role_id):
            resources = {t.text(res).removesuffix("/*") for res in as_list(statement["Resource"])}
            if writes & set(as_list(statement["Action"])):
                assert resources == {destination_arn}, f"{role_id} writes to {resources}"
            else:
                assert resources <= sources | {destination_arn}, f"{role_id} reads {resources}"
        yield Hop(
            f"custom resource {t.path(deployment_id)}",
            f"bucket {t.path(destination)}",
            f"lambda.amazonaws.com (role {t.path(role_id)})",
            "s3:PutObject, s3:DeleteObject* ... on the config bucket; reads from the CDK assets bucket",
            "role policy names the two buckets only; CloudFormation invokes the function at deploy time",
        )


def auto_delete_hops(t: StackTemplate) -> Iterator[Hop]:
    """CDK's autoDeleteObjects (dev) -> a bucket: the bucket policy lets the provider's role empty it."""
    for resource_id, resource in t.of_type("Custom::S3AutoDeleteObjects"):
        bucket = t.referenced(resource["BucketName"], "AWS::S3::Bucket")
        role_id = _function_role(t, resource["ServiceToken"])
        statements = _bucket_policy(t, bucket)
        principal = {"AWS": {"Fn::GetAtt": [role_id, "Arn"]}}
        allow = one([s for s in statements if s.get("Principal") == principal], f"statement for {role_id} on {bucket}")
        arn = t.get_att(bucket, "Arn")
        assert {t.text(res) for res in as_list(allow["Resource"])} == {arn, f"{arn}/*"}
        assert set(as_list(allow["Action"])) == set(AUTO_DELETE_ACTIONS)
        yield Hop(
            f"custom resource {t.path(resource_id)}",
            f"bucket {t.path(bucket)}",
            f"role {t.path(role_id)}",
            ", ".join(AUTO_DELETE_ACTIONS),
            "bucket policy names the provider's role; runs when the stack deletes the bucket",
        )


def iam_route_hops(t: StackTemplate) -> Iterator[Hop]:
    """Callers -> IAM-authorized routes: the stack's invoke policy allows execute-api:Invoke on each of them."""
    invokable = {
        t.text(resource)
        for _, policy in t.of_type("AWS::IAM::ManagedPolicy")
        for s in policy["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow" and as_list(s["Action"]) == ["execute-api:Invoke"]
        for resource in as_list(s["Resource"])
    }
    for route_id, route in t.of_type("AWS::ApiGatewayV2::Route"):
        if route.get("AuthorizationType") != "AWS_IAM":
            continue
        method, path = route["RouteKey"].split(" ", 1)
        arn_path = re.sub(r"\{[^}]+\}", "*", path)
        api = t.ref(route["ApiId"]["Ref"])
        assert any(arn.endswith(f":{api}/*/{method}{arn_path}") for arn in invokable), f"{route_id}: no invoke policy"
        yield Hop(
            "SigV4-signed request",
            f"route {route['RouteKey']}",
            "IAM identities given the stack's InvokePolicy",
            "execute-api:Invoke",
            f"resource <api>/*/{method}{arn_path} (managed policy); the route's authorizer is AWS_IAM",
        )


HOP_KINDS: dict[str, Callable[[StackTemplate], Iterator[Hop]]] = {
    "alarm action": alarm_hops,
    "API -> function": invoke_permission_hops,
    "S3 access logs": bucket_logging_hops,
    "API access logs": access_log_delivery_hops,
    "CodeDeploy": codedeploy_hops,
    "CodeDeploy -> hook": codedeploy_hook_hops,
    "hook -> version": hook_version_hops,
    "PC autoscaling": autoscaling_hops,
    "CDK BucketDeployment": bucket_deployment_hops,
    "CDK autoDeleteObjects": auto_delete_hops,
    "caller -> API (IAM)": iam_route_hops,
    "capacity provider": capacity_provider_hops,
    "function -> endpoint": endpoint_hops,
    "VPC flow logs": flow_log_hops,
}


def hops(templates: Mapping[str, Mapping[str, Any]], stacks: Sequence[str] | None = None) -> list[tuple[str, str, Hop]]:
    """(stack, kind, hop) for every hop of every stack (of ``stacks``, the others read for references), checked. The
    partition is ``aws``: CDK writes it so where it knows the stack's region, ``${AWS::Partition}`` elsewhere."""
    r = Resolver(templates, pseudo={"AWS::Partition": "aws"})
    chosen = templates if stacks is None else stacks
    return [
        (stack, kind, hop)
        for stack in chosen
        for kind, derive in HOP_KINDS.items()
        for hop in derive(StackTemplate(r, stack))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda-kit hops", description=__doc__.split("\n\n")[0])
    add_selection_args(parser)
    args = parser.parse_args(argv)
    try:
        assembly, stacks = selected_stacks(args)
    except (AssemblyError, kit_config.ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        found = hops(assembly.templates(), sorted(stack.name for stack in stacks))
    except AssertionError as finding:  # a hop whose policy does not allow exactly what it should
        print(f"error: {finding}", file=sys.stderr)
        return 1
    print("| stack | source | target | principal | action | condition |\n|---|---|---|---|---|---|")
    for stack, _, hop in found:
        print(f"| {stack} | {hop.source} | {hop.target} | {hop.principal} | {hop.action} | {hop.condition} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
