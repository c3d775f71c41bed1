"""The dependencies layer, really built with pip for each target architecture (no Docker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks.constructs.dependencies_layer import RUNTIME_PROVIDED, build_layer

# ELF e_machine values (System V ABI): what a shared object was compiled for.
ELF_MACHINE = {"arm64": 183, "x86_64": 62}  # EM_AARCH64, EM_X86_64


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    return int.from_bytes(header[18:20], "little")


@pytest.fixture(scope="module", params=["arm64", "x86_64"])
def built_layer(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp(f"layer-{request.param}")
    build_layer(out, request.param, "3.14")
    return request.param, out / "python"


def test_layer_holds_the_pinned_packages(built_layer: tuple[str, Path]) -> None:
    _, site = built_layer
    assert (site / "aws_xray_sdk" / "core" / "__init__.py").is_file()
    assert (site / "wrapt" / "__init__.py").is_file()
    # Exactly the pins of layers/dependencies/requirements.txt, nothing pulled in besides.
    assert sorted(p.name for p in site.glob("*.dist-info")) == [
        "aws_xray_sdk-2.15.0.dist-info",
        "wrapt-1.17.3.dist-info",
    ]


def test_shared_objects_match_the_architecture(built_layer: tuple[str, Path]) -> None:
    architecture, site = built_layer
    shared_objects = list(site.rglob("*.so"))
    assert shared_objects, "wrapt ships a C extension: expected at least one .so"
    for so in shared_objects:
        assert "cpython-314" in so.name, so.name
        assert elf_machine(so) == ELF_MACHINE[architecture], so


def test_nothing_the_runtime_already_ships(built_layer: tuple[str, Path]) -> None:
    _, site = built_layer
    assert not [name for name in RUNTIME_PROVIDED if (site / name).exists()]
    assert not list(site.rglob("__pycache__"))
