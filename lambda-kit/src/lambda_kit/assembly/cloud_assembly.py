"""A cloud assembly as ``cdk synth`` writes it (``cdk.out``): the manifest, each stack's template and asset
manifest, and the asset directories. This is CDK's own contract between the app and every tool that deploys
it (the CDK CLI, ``cdk-assets``, SAM's ``-t cdk.out/<stack>.template.json``); the kit reads nothing else of the
app.

- ``manifest.json``: one artifact per stack (``aws:cloudformation:stack``: template file, environment
  ``aws://<account>/<region>``, dependencies) and per nested assembly (``cdk:cloud-assembly``, a CDK
  ``Stage``), read recursively;
- ``<stack>.assets.json``: every file asset with its source (a directory or a ``.zip`` under the assembly) and
  the S3 object key the template names it by. A template's ``Code``/``Content`` ``S3Key`` is looked up there, so
  an asset is found whether or not the CLI wrote ``aws:asset:path`` metadata.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lambda_kit import config as kit_config

STACK = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"
ASSET_MANIFEST = "cdk:asset-manifest"
DEFAULT_REGION = "us-east-1"


class AssemblyError(ValueError):
    """The directory is not a cloud assembly, or it lacks what a template names (a stack, an asset)."""


@dataclass(frozen=True)
class Asset:
    """A file asset: ``path`` is a directory, or a ``.zip`` file (``packaging: file``) under the assembly."""

    hash: str
    path: Path
    packaging: str  # "zip" (a directory CDK zips at publish) or "file"


@dataclass(frozen=True)
class Stack:
    name: str  # the artifact id: the CloudFormation stack name the CLI deploys
    template: Mapping[str, Any]
    environment: str  # aws://<account>/<region>; "unknown-account" for environment-agnostic stacks
    dependencies: tuple[str, ...]
    assets: Mapping[str, Asset] = field(repr=False)  # by S3 object key

    @property
    def region(self) -> str:
        region = self.environment.rsplit("/", 1)[-1]
        return DEFAULT_REGION if region.startswith("unknown") else region

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        resources: Mapping[str, Mapping[str, Any]] = self.template.get("Resources", {})
        return resources

    def of_type(self, *types: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for logical_id, resource in self.resources.items():
            if resource.get("Type") in types:
                yield logical_id, resource

    def construct_path(self, logical_id: str) -> str:
        """The resource's construct path (``aws:cdk:path`` metadata), else its logical id."""
        return str(self.resources[logical_id].get("Metadata", {}).get("aws:cdk:path", logical_id))

    def asset_of(self, logical_id: str, location: Mapping[str, Any]) -> Asset:
        """The asset a resource's ``{"S3Bucket": ..., "S3Key": "<hash>.zip"}`` names (Code, Content, ...)."""
        key = location.get("S3Key")
        if isinstance(key, str) and key in self.assets:
            return self.assets[key]
        raise AssemblyError(
            f"{self.name}/{logical_id}: its code is not an asset of this assembly (S3Key {key!r}); "
            "the kit runs only what `cdk synth` packaged"
        )


class CloudAssembly:
    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory).resolve()
        manifest = self.directory / "manifest.json"
        if not manifest.is_file():
            raise AssemblyError(
                f"{self.directory} is not a cloud assembly (no manifest.json): run `cdk synth` first (make synth)"
            )

    @cached_property
    def stacks(self) -> dict[str, Stack]:
        """Every stack of the assembly and of its nested assemblies (CDK Stages), by name."""
        return {stack.name: stack for stack in _read(self.directory)}

    def templates(self) -> dict[str, Mapping[str, Any]]:
        return {name: stack.template for name, stack in self.stacks.items()}

    def select(self, patterns: Sequence[str] = ()) -> list[Stack]:
        """The stacks whose names match one of ``patterns`` (shell globs, as the CDK CLI takes them) and every
        stack they depend on; all stacks without patterns."""
        if not patterns:
            return list(self.stacks.values())
        chosen = [name for name in self.stacks if any(fnmatch.fnmatchcase(name, p) for p in patterns)]
        if not chosen:
            raise AssemblyError(
                f"no stack of {self.directory} matches {', '.join(patterns)}; its stacks: {', '.join(self.stacks)}"
            )
        wanted: dict[str, None] = {}

        def add(name: str) -> None:
            for dependency in self.stacks[name].dependencies:
                if dependency in self.stacks:
                    add(dependency)
            wanted[name] = None

        for name in chosen:
            add(name)
        return [self.stacks[name] for name in wanted]


def _read(directory: Path) -> Iterator[Stack]:
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    artifacts: Mapping[str, Any] = manifest.get("artifacts", {})
    asset_files = {
        artifact_id: directory / artifact["properties"]["file"]
        for artifact_id, artifact in artifacts.items()
        if artifact.get("type") == ASSET_MANIFEST
    }
    for artifact_id, artifact in artifacts.items():
        kind, properties = artifact.get("type"), artifact.get("properties", {})
        if kind == NESTED_ASSEMBLY:
            yield from _read(directory / properties["directoryName"])
        elif kind == STACK:
            dependencies = tuple(artifact.get("dependencies", ()))
            assets: dict[str, Asset] = {}
            for dependency in dependencies:
                if dependency in asset_files:
                    assets.update(_assets(directory, asset_files[dependency]))
            template = json.loads((directory / properties["templateFile"]).read_text(encoding="utf-8"))
            name = properties.get("stackName", artifact_id)
            stack_dependencies = tuple(d for d in dependencies if d not in asset_files)
            yield Stack(name, template, artifact.get("environment", ""), stack_dependencies, assets)


def _assets(directory: Path, manifest_file: Path) -> dict[str, Asset]:
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    assets = {}
    for asset_hash, entry in manifest.get("files", {}).items():
        source = entry.get("source", {})
        if "path" not in source:  # built by an executable at publish time: nothing on disk to run
            continue
        asset = Asset(asset_hash, directory / source["path"], source.get("packaging", "file"))
        for destination in entry.get("destinations", {}).values():
            assets[destination["objectKey"]] = asset
    return assets


def extracted(asset: Asset, cache: Path) -> Path:
    """The asset as Lambda unpacks it: its directory, or a ``.zip`` file's contents (extracted once into
    ``cache``)."""
    if asset.path.is_dir():
        return asset.path
    if asset.path.suffix == ".zip" and asset.path.is_file():
        target = cache / f"asset.{asset.hash}"
        if not target.is_dir():
            staging = cache / f".asset.{asset.hash}.partial"
            with zipfile.ZipFile(asset.path) as archive:
                archive.extractall(staging)
            staging.rename(target)
        return target
    raise AssemblyError(f"asset {asset.hash}: {asset.path} is neither a directory nor a .zip file")


def add_selection_args(parser: argparse._ActionsContainer, what: str = "read") -> None:
    """``--assembly``, ``--stage`` and ``--stack``: which stacks of which cloud assembly a command reads."""
    parser.add_argument("--assembly", default="cdk.out", help="the cloud assembly `cdk synth` wrote (default cdk.out)")
    parser.add_argument("--stage", help=f"the stage whose stacks to {what} ([tool.lambda-kit] stage-stacks)")
    parser.add_argument(
        "--stack", action="append", default=[], metavar="GLOB", help=f"stacks to {what} (repeatable; default: all)"
    )


def selected_stacks(args: argparse.Namespace) -> tuple[CloudAssembly, list[Stack]]:
    """The cloud assembly and the stacks ``add_selection_args``'s options select in it. Raises AssemblyError (no
    assembly there, no stack matching) or kit_config.ConfigError (``--stage`` without the project's stage-stacks)."""
    assembly = CloudAssembly(args.assembly)
    return assembly, assembly.select(kit_config.stack_patterns(args.stage, args.stack))
