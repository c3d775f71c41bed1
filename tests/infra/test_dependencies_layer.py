"""Each tracing backend's dependencies layer, really built with pip for each target architecture (no Docker)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from stacks.constructs.dependencies_layer import RUNTIME_PROVIDED, build_layer, cached_layer
from stacks.tracing_backends import pinned_distributions

# ELF e_machine values (System V ABI): what a shared object was compiled for.
ELF_MACHINE = {"arm64": 183, "x86_64": 62}  # EM_AARCH64, EM_X86_64
LAYERS = [(backend, arch) for backend in ("xray-sdk", "otel") for arch in ("arm64", "x86_64")]


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    return int.from_bytes(header[18:20], "little")


@pytest.fixture(scope="module")
def built_layers(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """All four layers, built side by side (pip waits on I/O as much as on the CPU)."""

    def build(layer: tuple[str, str]) -> Path:
        out = tmp_path_factory.mktemp(f"layer-{layer[0]}-{layer[1]}")
        build_layer(out, layer[1], "3.14", layer[0])
        return out / "python"

    with ThreadPoolExecutor(max_workers=len(LAYERS)) as pool:
        return dict(zip(LAYERS, pool.map(build, LAYERS), strict=True))


@pytest.mark.parametrize("layer", LAYERS, ids=["-".join(layer) for layer in LAYERS])
def test_layer_holds_exactly_its_backends_pins(
    built_layers: dict[tuple[str, str], Path], layer: tuple[str, str]
) -> None:
    site = built_layers[layer]
    # Exactly the pins of layers/dependencies/<backend>/requirements.txt, nothing pulled in besides.
    expected = sorted(
        f"{re.sub(r'[-.]+', '_', name).lower()}-{pinned}.dist-info"
        for name, pinned in pinned_distributions(layer[0]).items()
    )
    assert sorted(p.name for p in site.glob("*.dist-info")) == expected
    entry_point = "aws_xray_sdk/core/__init__.py" if layer[0] == "xray-sdk" else "opentelemetry/sdk/trace/__init__.py"
    assert (site / entry_point).is_file()
    assert not (site / "bin").exists()


@pytest.mark.parametrize("layer", LAYERS, ids=["-".join(layer) for layer in LAYERS])
def test_shared_objects_match_the_architecture(
    built_layers: dict[tuple[str, str], Path], layer: tuple[str, str]
) -> None:
    site = built_layers[layer]
    shared_objects = list(site.rglob("*.so"))
    assert shared_objects, "wrapt ships a C extension: expected at least one .so"
    for so in shared_objects:
        # CPython 3.14's ABI, or the stable ABI (protobuf's abi3 wheel), which 3.14 loads.
        assert "cpython-314" in so.name or so.name.endswith(".abi3.so"), so.name
        assert elf_machine(so) == ELF_MACHINE[layer[1]], so


@pytest.mark.parametrize("layer", LAYERS, ids=["-".join(layer) for layer in LAYERS])
def test_nothing_the_runtime_already_ships(built_layers: dict[tuple[str, str], Path], layer: tuple[str, str]) -> None:
    site = built_layers[layer]
    assert not [name for name in RUNTIME_PROVIDED if (site / name).exists()]
    assert not list(site.rglob("__pycache__"))


def test_the_xray_layer_holds_no_opentelemetry_and_the_otel_layer_no_xray_sdk(
    built_layers: dict[tuple[str, str], Path],
) -> None:
    for arch in ("arm64", "x86_64"):
        assert not (built_layers[("xray-sdk", arch)] / "opentelemetry").exists()
        assert not (built_layers[("otel", arch)] / "aws_xray_sdk").exists()


def test_a_layer_is_built_once_per_asset_hash_then_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    builds: list[Path] = []

    def build(target: Path) -> None:
        builds.append(target)
        (target / "python").mkdir()
        (target / "python" / "pkg.py").write_text("x = 1\n")

    for synth in ("first", "second"):
        cached_layer("hash-a", tmp_path / synth, build)
        assert (tmp_path / synth / "python" / "pkg.py").read_text() == "x = 1\n"
    assert len(builds) == 1  # the second synth copied the first one's build
    cached_layer("hash-b", tmp_path / "third", build)
    assert len(builds) == 2  # other pins, platform or Python: another hash, another build
    assert sorted(p.name for p in (tmp_path / "cache" / "lambda-deep-dive" / "layers").iterdir()) == [
        "hash-a",
        "hash-b",
    ]
