"""Create, on the local emulator, the resources the functions' environments name, from their templates.

Only what a function that runs can reach through its environment is created, when it first runs: every ``Ref``,
``Fn::GetAtt`` and ``Fn::GetStackOutput`` in its variables is followed to the resource it names (in any stack of
the assembly), and that resource is created as CloudFormation would create it from its properties:

- ``AWS::DynamoDB::Table``: key schema, attribute definitions, billing mode, secondary indexes, and the TTL
  attribute (``TimeToLiveSpecification``);
- ``AWS::S3::Bucket``, and every ``Custom::CDKBucketDeployment`` into it: the deployment's source assets
  (``SourceObjectKeys``, looked up in the assembly) copied under its ``DestinationBucketKeyPrefix``, as the
  deployment's Lambda copies them;
- ``AWS::SecretsManager::Secret``: its ``SecretString``, or a value drawn by Secrets Manager's own
  ``GetRandomPassword`` with the ``GenerateSecretString`` options.

Physical names follow CloudFormation's pattern (``<stack>-<logical id>-<random>``) unless the template names
the resource. A variable that names anything else (a queue, another function, a log group) cannot be resolved
locally and fails, naming the variable, the resource and its type.
"""

from __future__ import annotations

import json
import secrets
import string
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from lambda_kit.assembly.app_model import Function
from lambda_kit.assembly.cloud_assembly import CloudAssembly, Stack
from lambda_kit.assembly.intrinsics import Resolver, Unresolvable, references
from lambda_kit.local.emulator import ACCOUNT_ID, admin_client

TABLE, BUCKET, SECRET = "AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SecretsManager::Secret"
BUCKET_DEPLOYMENT = "Custom::CDKBucketDeployment"
EMULATED = (TABLE, BUCKET, SECRET)


class ProvisionError(ValueError):
    """A function's environment names what the kit cannot create locally."""


def pseudo_parameters(stack: Stack) -> dict[str, str]:
    return {
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::Region": stack.region,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackName": stack.name,
        "AWS::NoValue": "",
    }


def physical_name(stack: str, logical_id: str, kind: str) -> str:
    """A name as CloudFormation generates one: ``<stack>-<logical id>-<random>`` (buckets in lower case, within
    their 63 characters)."""
    suffix = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(12))
    if kind == BUCKET:
        return f"{stack[:20]}-{logical_id[:28]}-{suffix}".lower()
    if kind == SECRET:
        return f"{logical_id}-{suffix}"
    return f"{stack}-{logical_id}-{suffix}"


class Provisioned:
    """The resources created on the emulator so far, created as the functions that need them are first run (a
    function nobody runs, a custom resource's handler, say, creates nothing), and the resolver that binds each one's
    physical name."""

    def __init__(self, endpoint_url: str, assembly: CloudAssembly, stacks: Sequence[Stack]) -> None:
        self.endpoint_url = endpoint_url
        self.assembly = assembly
        self.region = stacks[0].region if stacks else "us-east-1"
        self.resolver = Resolver(
            assembly.templates(), pseudo=pseudo_parameters(stacks[0]) if stacks else {}, strict=True
        )
        self.created: list[str] = []  # one line per resource, in the order they were created

    def ensure(self, function: Function) -> None:
        """Create what ``function`` reaches through its environment, unless an earlier function's run created it."""
        wanted: dict[tuple[str, str], None] = {}
        for name, value in function.environment.items():
            for target in references(self.resolver, function.stack.name, value):
                kind = self.resolver.resource(*target).get("Type", "")
                if kind not in EMULATED and target not in self.resolver.physical:  # a function or version: bound
                    raise ProvisionError(
                        f"{function.label}: environment variable {name} names {target[0]}/{target[1]} ({kind}), "
                        f"which the kit does not emulate (it creates {', '.join(EMULATED)})"
                    )
                if target not in self.resolver.physical:
                    wanted[target] = None
        for stack_name, logical_id in wanted:
            self._create(stack_name, logical_id)

    def _create(self, stack_name: str, logical_id: str) -> None:
        resource = self.resolver.resource(stack_name, logical_id)
        properties = {key: value for key, value in resource.get("Properties", {}).items() if key not in ("Tags",)}
        kind = resource["Type"]
        create = {TABLE: _table, BUCKET: _bucket, SECRET: _secret}[kind]
        ref = create(self.endpoint_url, self.region, self.resolver, stack_name, logical_id, properties)
        self.resolver.physical[(stack_name, logical_id)] = ref
        self.created.append(f"{kind} {stack_name}/{logical_id}: {ref}")
        if kind == BUCKET:
            self.created += _bucket_deployments(
                self.endpoint_url, self.region, self.assembly, self.resolver, stack_name, logical_id
            )

    def environment(self, function: Function) -> dict[str, str]:
        """The function's environment variables as Lambda would see them, every intrinsic resolved (what it names
        created first)."""
        self.ensure(function)
        resolved = {}
        for name, value in function.environment.items():
            try:
                resolved[name] = self.resolver.text(function.stack.name, value)
            except Unresolvable as error:
                raise ProvisionError(
                    f"{function.label}: environment variable {name} cannot be resolved locally: {error}"
                ) from None
        return resolved


def _name(resolver: Resolver, stack: str, logical_id: str, kind: str, value: Any) -> str:
    return resolver.text(stack, value) if value is not None else physical_name(stack, logical_id, kind)


def _table(endpoint: str, region: str, r: Resolver, stack: str, logical_id: str, p: Mapping[str, Any]) -> str:
    dynamodb = admin_client(endpoint, "dynamodb", region=region)
    name = _name(r, stack, logical_id, TABLE, p.get("TableName"))
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": p["KeySchema"],
        "AttributeDefinitions": p["AttributeDefinitions"],
        "BillingMode": p.get("BillingMode", "PROVISIONED"),
    }
    if request["BillingMode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = p.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"):
        if key in p:
            request[key] = p[key]
    dynamodb.create_table(**request)
    ttl = p.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
        )
    return name


def _bucket(endpoint: str, region: str, r: Resolver, stack: str, logical_id: str, p: Mapping[str, Any]) -> str:
    s3 = admin_client(endpoint, "s3", region=region)
    name = _name(r, stack, logical_id, BUCKET, p.get("BucketName"))
    request: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**request)
    if p.get("VersioningConfiguration", {}).get("Status") == "Enabled":
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def _secret(endpoint: str, region: str, r: Resolver, stack: str, logical_id: str, p: Mapping[str, Any]) -> str:
    client = admin_client(endpoint, "secretsmanager", region=region)
    name = _name(r, stack, logical_id, SECRET, p.get("Name"))
    if "SecretString" in p:
        value = r.text(stack, p["SecretString"])
    else:
        options = dict(p.get("GenerateSecretString", {}))
        template, key = options.pop("SecretStringTemplate", None), options.pop("GenerateStringKey", None)
        value = client.get_random_password(**options)["RandomPassword"]
        if template is not None and key is not None:
            value = json.dumps({**json.loads(template), key: value})
    return str(client.create_secret(Name=name, SecretString=value)["ARN"])


def _bucket_deployments(
    endpoint: str, region: str, assembly: CloudAssembly, r: Resolver, stack_name: str, bucket_id: str
) -> list[str]:
    """Run every CDK BucketDeployment into the bucket: its sources' files, under its key prefix."""
    lines = []
    s3 = None
    for stack in assembly.stacks.values():
        for deployment_id, deployment in stack.of_type(BUCKET_DEPLOYMENT):
            properties = deployment["Properties"]
            if r.refers_to(stack.name, properties.get("DestinationBucketName")) != (stack_name, bucket_id):
                continue
            s3 = s3 or admin_client(endpoint, "s3", region=region)
            bucket = r.ref(stack_name, bucket_id)
            prefix = properties.get("DestinationBucketKeyPrefix", "")
            prefix = f"{prefix.rstrip('/')}/" if prefix else ""
            for key in properties.get("SourceObjectKeys", []):
                asset = stack.assets.get(key)
                if asset is None:
                    raise ProvisionError(f"{stack.name}/{deployment_id}: source {key} is not an asset of the assembly")
                for relative, body in _files(asset.path):
                    s3.put_object(Bucket=bucket, Key=prefix + relative, Body=body)
                    lines.append(f"{BUCKET_DEPLOYMENT} {stack.name}/{deployment_id}: s3://{bucket}/{prefix}{relative}")
    return lines


def _files(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            yield file.relative_to(path).as_posix(), file.read_bytes()
    else:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    yield info.filename, archive.read(info)
