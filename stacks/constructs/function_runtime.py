"""The Lambda runtime and architecture every function and layer of the app is built for, and the layers the API
functions share: the common layer, and the dependencies layer of the stage's tracing backend (none with
``tracing="off"``: no tracer, no layer)."""

from __future__ import annotations

from aws_cdk import aws_lambda as _lambda
from constructs import Construct

from stacks.constructs.common_layer import CommonLayer
from stacks.constructs.dependencies_layer import DependenciesLayer
from stacks.stage_config import StageConfig

RUNTIME = _lambda.Runtime.PYTHON_3_14
# The stage setting `architecture` (stacks/stage_config.py ARCHITECTURES) as CDK's value.
ARCHITECTURES = {"arm64": _lambda.Architecture.ARM_64, "x86_64": _lambda.Architecture.X86_64}


def shared_layers(scope: Construct, config: StageConfig) -> list[_lambda.ILayerVersion]:
    """The layers every API function of ``scope`` (the service stack) gets, built once."""
    architecture = ARCHITECTURES[config.architecture]
    layers: list[_lambda.ILayerVersion] = [
        CommonLayer(scope, "CommonLayer", runtime=RUNTIME, architecture=architecture).layer
    ]
    if config.tracing != "off":  # the tracing backend's packages, and only those
        dependencies = DependenciesLayer(
            scope, "DependenciesLayer", runtime=RUNTIME, architecture=architecture, backend=config.tracing
        )
        layers.insert(0, dependencies.layer)
    return layers
