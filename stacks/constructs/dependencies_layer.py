"""The dependencies layer: third-party packages the runtime lacks, built for the target without Docker.

``pip install --platform/--python-version/--only-binary`` downloads the wheels Lambda would pick on its
own platform, so a developer on x86_64 macOS or Linux builds an arm64 Python 3.14 layer without a
container. ``--no-deps`` keeps out what the runtime already ships (boto3, botocore): the requirements
file lists every package explicitly, and its lock file their hashes.

One layer per tracing backend, built from that backend's own requirements file only
(``layers/dependencies/<backend>/requirements.txt``): a stage ships the packages of the tracer it uses.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as _lambda
from constructs import Construct

from stacks.tracing_backends import requirements_file

# The stage's `tracing` values that need packages ("off" needs none), and what their layer holds.
LAYER_CONTENTS = {"xray-sdk": "aws-xray-sdk", "otel": "OpenTelemetry (OTLP over UDP to X-Ray)"}
# What the Lambda runtime already provides: never ship a second copy (37 MB for botocore).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six")
PIP_PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}


def _requirements(backend: str) -> Path:
    """The backend's lock file: requirements.txt is what people edit; `make lock` writes requirements.lock beside
    it with every wheel's sha256, and pip installs from the lock with --require-hashes (a different wheel is
    refused)."""
    path = requirements_file(backend)
    if path is None:
        raise ValueError(f"tracing={backend!r} has no dependencies layer")
    return path.with_suffix(".lock")


def pip_install_command(target: Path, architecture: str, python_version: str, backend: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--require-hashes",
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--platform",
        PIP_PLATFORMS[architecture],
        "--python-version",
        python_version,
        "--no-compile",
        "-r",
        str(_requirements(backend)),
        "--target",
        str(target),
    ]


def build_layer(output_dir: Path, architecture: str, python_version: str, backend: str) -> None:
    """Install the backend's pinned wheels into ``output_dir/python`` (what Lambda mounts at /opt/python)."""
    target = output_dir / "python"
    result = subprocess.run(
        pip_install_command(target, architecture, python_version, backend), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"building the dependencies layer failed:\n{result.stderr}")
    present = [name for name in RUNTIME_PROVIDED if (target / name).exists()]
    if present:
        raise RuntimeError(f"the dependencies layer must not ship what the runtime has: {present}")
    for cache in target.rglob("__pycache__"):
        shutil.rmtree(cache)
    # Console scripts (opentelemetry-instrument, ...): not importable, and their shebang names this machine.
    shutil.rmtree(target / "bin", ignore_errors=True)


def _cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lambda-deep-dive" / "layers"


def cached_layer(asset_hash: str, output_dir: Path, build: Callable[[Path], None]) -> None:
    """The layer built once per asset hash (the pins with their hashes, the platform, the Python: what decides its
    files), then copied from the cache: every synth writes a fresh cdk.out, and pip would download and unpack the
    same wheels into each."""
    cached = _cache_root() / asset_hash
    if not cached.is_dir():
        cached.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{asset_hash}.", dir=cached.parent))
        build(staging)
        try:
            staging.rename(cached)
        except OSError:  # another synth cached the same layer meanwhile: theirs is the same files
            shutil.rmtree(staging)
    shutil.copytree(cached, output_dir, dirs_exist_ok=True)


@jsii.implements(cdk.ILocalBundling)
class _PipLocalBundling:
    def __init__(self, architecture: str, python_version: str, backend: str, asset_hash: str) -> None:
        self.architecture = architecture
        self.python_version = python_version
        self.backend = backend
        self.asset_hash = asset_hash

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_: object) -> bool:
        cached_layer(
            self.asset_hash,
            Path(output_dir),
            lambda target: build_layer(target, self.architecture, self.python_version, self.backend),
        )
        return True


class DependenciesLayer(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime: _lambda.Runtime,
        architecture: _lambda.Architecture,
        backend: str,
    ) -> None:
        super().__init__(scope, construct_id)
        python_version = runtime.name.removeprefix("python")  # "python3.14" -> "3.14"
        requirements = _requirements(backend)
        # The asset hash is what decides a new layer version: the pins, the platform and the Python.
        asset_hash = hashlib.sha256(
            f"{requirements.read_text()}|{architecture.name}|{python_version}".encode()
        ).hexdigest()
        code = _lambda.Code.from_asset(
            str(requirements.parent),
            asset_hash=asset_hash,
            asset_hash_type=cdk.AssetHashType.CUSTOM,
            bundling=cdk.BundlingOptions(
                # Never pulled: local bundling succeeds first. CDK requires an image to be named.
                image=cdk.DockerImage.from_registry("local-bundling-only"),
                local=_PipLocalBundling(architecture.name, python_version, backend, asset_hash),
            ),
        )
        self.layer = _lambda.LayerVersion(
            self,
            "Layer",
            code=code,
            compatible_runtimes=[runtime],
            compatible_architectures=[architecture],
            description=f"{LAYER_CONTENTS[backend]} and its deps for {runtime.name} on {architecture.name}",
        )
