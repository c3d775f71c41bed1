"""``lambda-kit assets``: every Lambda code and layer asset of the selected stacks, as ``cdk synth`` packaged it.

    lambda-kit assets [--assembly cdk.out] [--stack GLOB ...]

Unzipped (what counts against Lambda's 250 MB limit and is read at import) and zipped (the upload), and the
biggest top-level entries of each: what costs what.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import zipfile
from pathlib import Path

from lambda_kit import config as kit_config
from lambda_kit.assembly.app_model import AppModel
from lambda_kit.assembly.cloud_assembly import AssemblyError, Stack, add_selection_args, selected_stacks

CODE_PROPERTIES = {"AWS::Lambda::Function": "Code", "AWS::Lambda::LayerVersion": "Content"}


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def zipped_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "a.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                zf.write(file, file.relative_to(path))
        return archive.stat().st_size


def asset_sizes(stack: Stack) -> list[tuple[str, Path, int, int]]:
    """(construct path, asset, unzipped bytes, zipped bytes) of each function's code and each layer of the stack."""
    rows = []
    for logical_id, resource in stack.of_type(*CODE_PROPERTIES):
        location = resource.get("Properties", {}).get(CODE_PROPERTIES[resource["Type"]], {})
        if "S3Key" not in location:  # inline code (a custom resource's ZipFile)
            continue
        asset = stack.asset_of(logical_id, location).path
        label = stack.construct_path(logical_id).split("/", 1)[-1].removesuffix("/Resource")
        rows.append((label, asset, dir_size(asset), zipped_size(asset)))
    return rows


def biggest(asset: Path, top: int = 5) -> str:
    if not asset.is_dir():
        return ""
    root = asset / "python" if (asset / "python").is_dir() else asset
    entries = sorted(((dir_size(p), p.name) for p in root.iterdir() if p.name != "__pycache__"), reverse=True)
    return "biggest (KiB): " + ", ".join(f"{name} {size / 1024:.0f}" for size, name in entries[:top])


def report(stacks: list[Stack]) -> list[str]:
    lines = []
    for stack in stacks:
        rows = asset_sizes(stack)
        if not rows:
            continue
        lines.append(f"Lambda code and layer assets of {stack.name} (unzipped / zipped):")
        for label, asset, raw, zipped in rows:
            lines.append(f"  {label:<40} {raw / 1024:9.1f} KiB {zipped / 1024:9.1f} KiB   {biggest(asset)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda-kit assets", description=__doc__.split("\n\n")[0])
    add_selection_args(parser)
    args = parser.parse_args(argv)
    try:
        stacks = AppModel(*selected_stacks(args)).stacks
    except (AssemblyError, kit_config.ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n".join(report(stacks)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
