"""The Lambda runtime and architecture every function and layer of the app is built for, and the layers the API
functions share: the common layer, and the dependencies layer of the stage's tracing backend (none with
``tracing="off"``: no tracer, no layer)."""

from __future__ import annotations

from typing import NamedTuple

from aws_cdk import aws_lambda as _lambda
from constructs import Construct

from stacks.constructs.common_layer import CommonLayer
from stacks.constructs.dependencies_layer import DependenciesLayer
from stacks.stage_config import StageConfig

RUNTIME = _lambda.Runtime.PYTHON_3_14
# The stage setting `architecture` (stacks/stage_config.py ARCHITECTURES) as CDK's value.
ARCHITECTURES = {"arm64": _lambda.Architecture.ARM_64, "x86_64": _lambda.Architecture.X86_64}


class SharedLayers(NamedTuple):
    common: _lambda.ILayerVersion  # JSON logging, tracing facade, config cache: the pre-traffic hooks need it alone
    dependencies: _lambda.ILayerVersion | None  # the tracing backend's packages; None with tracing "off"

    @property
    def all(self) -> list[_lambda.ILayerVersion]:
        """Every layer, in the order an API function gets them."""
        return [self.dependencies, self.common] if self.dependencies else [self.common]


def shared_layers(scope: Construct, config: StageConfig) -> SharedLayers:
    """The layers the API functions of ``scope`` (the service stack) share, built once."""
    architecture = ARCHITECTURES[config.architecture]
    common = CommonLayer(scope, "CommonLayer", runtime=RUNTIME, architecture=architecture).layer
    if config.tracing == "off":  # no tracer, no layer
        return SharedLayers(common, None)
    dependencies = DependenciesLayer(
        scope, "DependenciesLayer", runtime=RUNTIME, architecture=architecture, backend=config.tracing
    )
    return SharedLayers(common, dependencies.layer)
