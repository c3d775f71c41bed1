"""The dependencies layer: third-party packages the runtime lacks, built for the target without Docker.

``pip install --platform/--python-version/--only-binary`` downloads the wheels Lambda would pick on its
own platform, so a developer on x86_64 macOS or Linux builds an arm64 Python 3.14 layer without a
container. ``--no-deps`` keeps out what the runtime already ships (boto3, botocore): the requirements
file lists every package explicitly, and its lock file their hashes.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as _lambda
from constructs import Construct

LAYER_DIR = Path(__file__).resolve().parents[2] / "layers" / "dependencies"
# requirements.txt is what people edit; `make lock` writes requirements.lock with every wheel's sha256, and pip
# installs from the lock with --require-hashes: a wheel that differs from the one locked is refused.
REQUIREMENTS = LAYER_DIR / "requirements.lock"
# What the Lambda runtime already provides: never ship a second copy (37 MB for botocore).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six")
PIP_PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}


def pip_install_command(target: Path, architecture: str, python_version: str) -> list[str]:
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
        str(REQUIREMENTS),
        "--target",
        str(target),
    ]


def build_layer(output_dir: Path, architecture: str, python_version: str) -> None:
    """Install the pinned wheels into ``output_dir/python`` (what Lambda mounts at /opt/python)."""
    target = output_dir / "python"
    result = subprocess.run(
        pip_install_command(target, architecture, python_version), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"building the dependencies layer failed:\n{result.stderr}")
    present = [name for name in RUNTIME_PROVIDED if (target / name).exists()]
    if present:
        raise RuntimeError(f"the dependencies layer must not ship what the runtime has: {present}")
    for cache in target.rglob("__pycache__"):
        shutil.rmtree(cache)


@jsii.implements(cdk.ILocalBundling)
class _PipLocalBundling:
    def __init__(self, architecture: str, python_version: str) -> None:
        self.architecture = architecture
        self.python_version = python_version

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_: object) -> bool:
        build_layer(Path(output_dir), self.architecture, self.python_version)
        return True


class DependenciesLayer(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, runtime: _lambda.Runtime, architecture: _lambda.Architecture
    ) -> None:
        super().__init__(scope, construct_id)
        python_version = runtime.name.removeprefix("python")  # "python3.14" -> "3.14"
        # The asset hash is what decides a new layer version: the pins, the platform and the Python.
        asset_hash = hashlib.sha256(
            f"{REQUIREMENTS.read_text()}|{architecture.name}|{python_version}".encode()
        ).hexdigest()
        code = _lambda.Code.from_asset(
            str(LAYER_DIR),
            asset_hash=asset_hash,
            asset_hash_type=cdk.AssetHashType.CUSTOM,
            bundling=cdk.BundlingOptions(
                # Never pulled: local bundling succeeds first. CDK requires an image to be named.
                image=cdk.DockerImage.from_registry("local-bundling-only"),
                local=_PipLocalBundling(architecture.name, python_version),
            ),
        )
        self.layer = _lambda.LayerVersion(
            self,
            "Layer",
            code=code,
            compatible_runtimes=[runtime],
            compatible_architectures=[architecture],
            description=f"aws-xray-sdk and its deps for {runtime.name} on {architecture.name}",
        )
