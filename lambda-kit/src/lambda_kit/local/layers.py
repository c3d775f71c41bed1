"""A layer's ``python/`` directory as this machine can import it.

A layer asset holds packages built for Lambda's platform: pure-Python wheels run anywhere, but a wheel with a
compiled extension built for another interpreter or machine (``cp314-cp314-manylinux_2_17_aarch64`` on an x86_64
machine running Python 3.11) cannot load here. Such a distribution is replaced by the **same version** installed
in this interpreter's environment; every other file of the layer is used as ``cdk synth`` packaged it. A
distribution whose version this environment lacks fails, naming the pin to install: a local run never silently
runs other versions than the layer ships.

The view is a directory of links, built once per layer asset, interpreter and tag set (a cache key), and
rebuilt when missing.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.tags import Tag, parse_tag, sys_tags
from packaging.utils import canonicalize_name

PYTHON_DIR = "python"  # what Lambda mounts at /opt/python


class LayerError(RuntimeError):
    """The layer cannot run on this machine (a binary distribution whose version this environment lacks)."""


@dataclass(frozen=True)
class LayerDistribution:
    name: str
    version: str
    tags: frozenset[Tag]
    entries: frozenset[str]  # the top-level names of ``python/`` that belong to it (RECORD), dist-info included

    @property
    def runs_here(self) -> bool:
        return bool(self.tags & _supported_tags())


def _supported_tags() -> frozenset[Tag]:
    return frozenset(sys_tags())


def layer_distributions(python_dir: Path) -> list[LayerDistribution]:
    """Every installed distribution of a layer's ``python/`` directory, from its ``.dist-info`` (WHEEL, RECORD)."""
    found = []
    for info in sorted(python_dir.glob("*.dist-info")):
        metadata = _headers(info / "METADATA")
        wheel = _headers(info / "WHEEL", multi=("Tag",))
        tags = frozenset(tag for text in wheel.get("Tag", []) for tag in parse_tag(text))
        entries = {info.name}
        record = info / "RECORD"
        if record.is_file():
            with record.open(newline="", encoding="utf-8") as rows:
                for row in csv.reader(rows):
                    if row and not row[0].startswith(".."):
                        entries.add(row[0].split("/", 1)[0])
        found.append(LayerDistribution(str(metadata["Name"][0]), str(metadata["Version"][0]), tags, frozenset(entries)))
    return found


def _headers(path: Path, multi: Sequence[str] = ()) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    if not path.is_file():
        return headers
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            break  # the headers end at the first empty line (the description follows)
        key, sep, value = line.partition(":")
        if sep:
            headers.setdefault(key.strip(), []).append(value.strip())
    return headers


def local_view(python_dir: Path, cache: Path | None = None) -> Path:
    """``python_dir`` itself when everything in it runs here, else a directory of links in which each binary
    distribution built for another platform is this environment's copy of the same version."""
    foreign = [d for d in layer_distributions(python_dir) if not d.runs_here]
    if not foreign:
        return python_dir
    replacements = {d.name: _installed_entries(d) for d in foreign}
    key = hashlib.sha256(
        "|".join([str(python_dir.resolve()), sys.prefix, sys.version, *sorted(replacements)]).encode()
    ).hexdigest()[:16]
    target = (cache or Path(tempfile.gettempdir()) / f"lambda-kit-layers-{os.getuid()}") / key
    if target.is_dir():
        return target
    staging = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=_mkdir(target.parent)))
    replaced = {entry for d in foreign for entry in d.entries}
    for entry in python_dir.iterdir():
        if entry.name not in replaced:
            (staging / entry.name).symlink_to(entry.resolve())
    for entries in replacements.values():
        for entry in entries:
            link = staging / entry.name
            if not link.exists():
                link.symlink_to(entry)
    with contextlib.suppress(OSError):  # another process built the same view meanwhile: use theirs
        staging.rename(target)
    if staging.exists():
        shutil.rmtree(staging)
    return target


def _installed_entries(layer_dist: LayerDistribution) -> list[Path]:
    """The top-level files and directories of this environment's copy of the distribution, same version."""
    try:
        installed = distribution(layer_dist.name)
    except PackageNotFoundError:
        installed = None
    if installed is None or installed.version != layer_dist.version:
        have = f"this environment has {installed.version}" if installed else "this environment lacks it"
        wanted = ", ".join(sorted(str(t) for t in layer_dist.tags)[:2])
        raise LayerError(
            f"the layer's {layer_dist.name} {layer_dist.version} is built for {wanted}, not this machine, and "
            f"{have}: install {canonicalize_name(layer_dist.name)}=={layer_dist.version} to run it locally"
        )
    tops = {
        Path(str(installed.locate_file(f.parts[0])))
        for f in installed.files or ()
        if f.parts[0] not in ("..", "__pycache__")
    }
    return sorted(tops)


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def python_paths(layer_dirs: Iterable[Path], cache: Path | None = None) -> list[Path]:
    """What Lambda's Python runtime puts on ``sys.path`` for the layers, in the function's order, as this machine
    runs it: ``/opt/python/lib/python3.X/site-packages`` and ``/opt/python`` of each. A layer with neither (an
    asset that was not bundled, say) adds nothing, so its imports fail here as they would on Lambda."""
    paths = []
    for layer in layer_dirs:
        python_dir = layer / PYTHON_DIR
        paths += [local_view(p, cache) for p in sorted(python_dir.glob("lib/python3.*/site-packages")) if p.is_dir()]
        if python_dir.is_dir():
            paths.append(local_view(python_dir, cache))
    return paths
