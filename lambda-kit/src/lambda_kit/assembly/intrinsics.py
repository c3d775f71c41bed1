"""Reading values of synthesized templates as CloudFormation resolves them at deploy time.

``Resolver.text`` turns a template value (a string or an intrinsic function: ``Ref``, ``Fn::GetAtt``,
``Fn::Join``, ``Fn::Sub``, ``Fn::GetStackOutput`` across this app's stacks) into the string CloudFormation would
pass to AWS. What only exists at deploy time stays a readable placeholder (``${AWS::AccountId}``,
``${lambda-deep-dive-dev-data/OrdersTable1F8332C7}``) unless a value is bound for it: the pseudo parameters, and
the physical names of resources (a test's table name, for instance). ``Fn::GetAtt ... Arn`` is built from the
resource's ``Ref`` in the ARN format CloudFormation documents for that type, so an ARN in a policy and an ARN
built from a physical name compare equal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

# Ref of these types is the resource's ARN; of every other type used here, its name.
REF_IS_ARN = {"AWS::SecretsManager::Secret", "AWS::SNS::Topic", "AWS::Lambda::Alias", "AWS::IAM::ManagedPolicy"}
# Fn::GetAtt <resource> Arn, from the resource's name (CloudFormation's documented return values).
ARN_FORMATS = {
    "AWS::DynamoDB::Table": "arn:{partition}:dynamodb:{region}:{account}:table/{name}",
    "AWS::S3::Bucket": "arn:{partition}:s3:::{name}",
    "AWS::Logs::LogGroup": "arn:{partition}:logs:{region}:{account}:log-group:{name}:*",
    "AWS::Lambda::Function": "arn:{partition}:lambda:{region}:{account}:function:{name}",
    "AWS::CloudWatch::Alarm": "arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}",
    "AWS::IAM::Role": "arn:{partition}:iam::{account}:role/{name}",
}
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


class Unresolvable(ValueError):
    """A template value this reader does not evaluate (it names the function, so the gap is visible)."""


class Resolver:
    def __init__(
        self,
        templates: Mapping[str, Mapping[str, Any]],
        *,
        pseudo: Mapping[str, str] | None = None,
        physical: Mapping[tuple[str, str], str] | None = None,
        strict: bool = False,
    ) -> None:
        """``templates``: stack name -> template. ``pseudo``: e.g. ``{"AWS::AccountId": "123456789012"}``.
        ``physical``: (stack, logical id) -> the resource's ``Ref`` value (its name, or its ARN for ARN types).
        ``strict``: what has no value bound (a resource, a pseudo parameter, an attribute) raises ``Unresolvable``
        naming it, instead of reading as a ``${...}`` placeholder."""
        self.templates = templates
        self.pseudo = dict(pseudo or {})
        self.physical = dict(physical or {})
        self.strict = strict

    def resource(self, stack: str, logical_id: str) -> Mapping[str, Any]:
        try:
            resource: Mapping[str, Any] = self.templates[stack]["Resources"][logical_id]
        except KeyError:
            raise Unresolvable(f"{stack}/{logical_id}: no such stack or resource in the assembly") from None
        return resource

    def text(self, stack: str, value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, bool | int | float):
            return str(value).lower() if isinstance(value, bool) else str(value)
        if isinstance(value, Mapping) and len(value) == 1:
            (function, argument), *_ = value.items()
            if function == "Ref":
                return self.ref(stack, argument)
            if function == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(stack, logical_id, attribute)
            if function == "Fn::Join":
                separator, parts = argument
                return str(separator).join(self.text(stack, part) for part in parts)
            if function == "Fn::Sub":
                return self.sub(stack, argument)
            if function == "Fn::GetStackOutput":
                other = self.text(stack, argument["StackName"])
                return self.text(other, self.output(other, argument["OutputName"]))
            if function == "Fn::ImportValue":
                return self.text(*self.export(self.text(stack, argument)))
            if function == "Fn::Select":
                index, items = argument
                return self.items(stack, items)[int(index)]
        raise Unresolvable(f"{stack}: cannot resolve {value!r}")

    def items(self, stack: str, value: Any) -> list[str]:
        """A list value: a literal list or ``Fn::Split`` (which never splits inside a ``${...}`` placeholder)."""
        if isinstance(value, list):
            return [self.text(stack, item) for item in value]
        if isinstance(value, Mapping) and "Fn::Split" in value:
            separator, source = value["Fn::Split"]
            pieces = re.split(rf"((?:\$\{{[^}}]*\}}|[^{re.escape(separator)}$])+)", self.text(stack, source))
            return [piece for piece in pieces[1::2]]
        raise Unresolvable(f"{stack}: cannot resolve the list {value!r}")

    def ref(self, stack: str, name: str) -> str:
        if name.startswith("AWS::"):
            if name not in self.pseudo and self.strict:
                raise Unresolvable(f"{stack}: the pseudo parameter {name} has no local value")
            return self.pseudo.get(name, f"${{{name}}}")
        if (stack, name) in self.physical:
            return self.physical[(stack, name)]
        resource = self.resource(stack, name)
        if resource["Type"] == "AWS::Lambda::Alias":  # Ref is the alias ARN: function ARN + ":" + alias name
            function = self.text(stack, resource["Properties"]["FunctionName"])
            account, region = self.ref(stack, "AWS::AccountId"), self.ref(stack, "AWS::Region")
            return f"arn:{self.ref(stack, 'AWS::Partition')}:lambda:{region}:{account}:function:{function}:{resource['Properties']['Name']}"
        if self.strict:
            raise Unresolvable(f"{stack}/{name} ({resource.get('Type')}) has no local counterpart")
        return f"${{{stack}/{name}}}"

    def get_att(self, stack: str, logical_id: str, attribute: str) -> str:
        kind = self.resource(stack, logical_id)["Type"]
        if attribute == "Arn" and kind in ARN_FORMATS:
            return ARN_FORMATS[kind].format(
                partition=self.ref(stack, "AWS::Partition"),
                region=self.ref(stack, "AWS::Region"),
                account=self.ref(stack, "AWS::AccountId"),
                name=self.ref(stack, logical_id),
            )
        if attribute == "Arn" and kind in REF_IS_ARN:
            return self.ref(stack, logical_id)
        if self.strict:
            raise Unresolvable(f"{stack}/{logical_id} ({kind}): its attribute {attribute} has no local value")
        return f"${{{stack}/{logical_id}.{attribute}}}"

    def sub(self, stack: str, argument: Any) -> str:
        template, variables = (argument, {}) if isinstance(argument, str) else argument

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return self.text(stack, variables[name])
            if "." in name:
                return self.get_att(stack, *name.split(".", 1))
            return self.ref(stack, name)

        return _SUB.sub(replace, template)

    def refers_to(self, stack: str, value: Any) -> tuple[str, str] | None:
        """(stack, logical id) of the resource that ``value`` (a Ref, GetAtt or GetStackOutput) names, if any."""
        if isinstance(value, Mapping) and len(value) == 1:
            (function, argument), *_ = value.items()
            if function == "Ref" and not str(argument).startswith("AWS::"):
                return stack, argument
            if function == "Fn::GetAtt":
                return stack, argument[0] if isinstance(argument, list) else argument.split(".", 1)[0]
            if function == "Fn::GetStackOutput":
                other = self.text(stack, argument["StackName"])
                return self.refers_to(other, self.output(other, argument["OutputName"]))
            if function == "Fn::ImportValue":
                return self.refers_to(*self.export(self.text(stack, argument)))
        return None

    def output(self, stack: str, name: str) -> Any:
        try:
            return self.templates[stack]["Outputs"][name]["Value"]
        except KeyError:
            raise Unresolvable(f"{stack} has no output {name} in the assembly") from None

    def export(self, name: str) -> tuple[str, Any]:
        """(stack, value) of the output a stack exports as ``name`` (``Fn::ImportValue``)."""
        for stack, template in self.templates.items():
            for output in template.get("Outputs", {}).values():
                export = output.get("Export", {}).get("Name")
                if export is not None and self.text(stack, export) == name:
                    return stack, output["Value"]
        raise Unresolvable(f"no stack of the assembly exports {name!r}")


def references(resolver: Resolver, stack: str, value: Any) -> Iterator[tuple[str, str]]:
    """Every (stack, logical id) a template value names, through joins, subs and other stacks' outputs."""
    if isinstance(value, list):
        for item in value:
            yield from references(resolver, stack, item)
        return
    if not isinstance(value, Mapping):
        return
    target = resolver.refers_to(stack, value)
    if target is not None:
        yield target
        return
    for function, argument in value.items():
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            for name in _SUB.findall(text):
                if name not in variables and not name.startswith("AWS::"):
                    yield stack, name.split(".", 1)[0]
            yield from references(resolver, stack, list(variables.values()))
        else:
            yield from references(resolver, stack, argument)
