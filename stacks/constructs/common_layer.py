"""The common layer: JSON logging, tracing, config cache and helpers for every function."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as _lambda
from constructs import Construct

LAYER_DIR = Path(__file__).resolve().parents[2] / "layers" / "common"
# Bytecode and caches differ between machines: keeping them out keeps the asset hash stable.
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.mypy_cache"]


class CommonLayer(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, runtime: _lambda.Runtime, architecture: _lambda.Architecture
    ) -> None:
        super().__init__(scope, construct_id)
        self.layer = _lambda.LayerVersion(
            self,
            "Layer",
            code=_lambda.Code.from_asset(str(LAYER_DIR), exclude=ASSET_EXCLUDES),
            compatible_runtimes=[runtime],
            compatible_architectures=[architecture],
            description="common: JSON logging, tracing facade, config cache, HTTP helpers",
        )
