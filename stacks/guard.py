"""AWS's Guard rules beside cdk-nag: the Control Tower proactive controls that ``@cdklabs/cdk-validator-cfnguard``
bundles, with the ``cfn-guard`` binary for Linux and macOS (x86_64, aarch64) inside the package, so they run
offline. It is a CDK policy-validation plugin like cdk-nag: any finding not acknowledged in
``stacks/policy_acknowledgments.py`` makes ``cdk synth`` fail, with the report in ``cdk.out``.

The PyPI package (``cdklabs.cdk-validator-cfnguard``) is the npm package wrapped by jsii: its wheel embeds the npm
tarball, rules and binaries included, so requirements.txt pins it and package.json does not need it.
"""

from __future__ import annotations

import aws_cdk as cdk
from cdklabs.cdk_validator_cfnguard import CfnGuardValidator
from constructs import IConstruct

from stacks.policy_acknowledgments import GUARD, applicable
from stacks.stage_config import StageConfig

PLUGIN_NAME = "cdk-validator-cfnguard"


# CDK's context key (cx-api VALIDATE_AGAINST_DEFAULT_RULES): the CloudFormation validation's errors fail synth instead
# of being printed as warnings.
STRICT_CLOUDFORMATION_VALIDATION = "@aws-cdk/core:validateAgainstDefaultRules"


def add_guard_checks(app: cdk.App) -> None:
    """The Guard rules and CDK's own CloudFormation validation (which ``new_app`` in stacks/app_builder.py leaves out
    of the faster synths), its errors failing synth. Call it before adding stacks: a scope with children refuses
    context."""
    app.node.set_context(STRICT_CLOUDFORMATION_VALIDATION, True)
    # The plugin implements the Beta1 plugin interface (same members, older type names); CDK accepts it.
    cdk.Validations.of(app).add_plugins(CfnGuardValidator())  # type: ignore[arg-type]
    cdk.Validations.of(app).add_plugins(cdk.CloudFormationValidatePlugin())


def acknowledge_guard_findings(scope: IConstruct, config: StageConfig, kind: str) -> None:
    """Apply the reviewed acknowledgments of ``kind`` (a stack kind, or FUNCTION for an API function) to the
    constructs below ``scope`` (a resource this stage lacks is skipped: tests/policy/test_policy_checks.py fails on
    an acknowledgment that matches no finding in any stage)."""
    for rule, resource, reason in applicable(config, kind, GUARD):
        construct = _find(scope, resource)
        if construct is not None:
            cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=f"{PLUGIN_NAME}::{rule}", reason=reason))


def _find(scope: IConstruct, path: str) -> IConstruct | None:
    node: IConstruct | None = scope
    for part in path.split("/"):
        node = node.node.try_find_child(part) if node is not None else None
    return node
