"""A layer built for Lambda's platform, run on this machine: the fixture's dependencies layer holds markupsafe 3.0.4
as pip installs it for arm64 Python 3.14 (a compiled extension); the kit puts this environment's build of the same
version in its place and uses the rest of the layer as packaged."""

from __future__ import annotations

import shutil
from importlib.metadata import distribution
from pathlib import Path

import pytest

from lambda_kit.local.layers import LayerError, layer_distributions, local_view, python_paths

FIXTURE = Path(__file__).parent / "fixtures" / "shop" / "cdk.out"


def layer(name: str) -> Path:
    """The fixture's layer asset whose ``python/`` holds ``name``."""
    return next(asset for asset in FIXTURE.glob("asset.*") if (asset / "python" / name).exists())


def test_a_wheel_built_for_lambdas_platform_is_read_from_its_dist_info() -> None:
    [markupsafe] = layer_distributions(layer("markupsafe") / "python")
    assert (markupsafe.name, markupsafe.version) == ("MarkupSafe", "3.0.4")
    assert {str(t) for t in markupsafe.tags} >= {"cp314-cp314-manylinux_2_17_aarch64"}
    assert markupsafe.entries == {"markupsafe", "markupsafe-3.0.4.dist-info"}
    assert not markupsafe.runs_here  # this machine is not Lambda's arm64 Python 3.14


def test_a_foreign_build_is_replaced_by_this_environments_same_version(tmp_path: Path) -> None:
    view = local_view(layer("markupsafe") / "python", cache=tmp_path)
    assert view != layer("markupsafe") / "python"
    installed = Path(str(distribution("markupsafe").locate_file("markupsafe")))
    assert (view / "markupsafe").resolve() == installed.resolve()
    assert local_view(layer("markupsafe") / "python", cache=tmp_path) == view  # built once, then reused


def test_a_layer_that_runs_here_is_used_as_packaged(tmp_path: Path) -> None:
    python_dir = layer("shop_common") / "python"
    assert local_view(python_dir, cache=tmp_path) == python_dir


def test_a_version_this_environment_lacks_is_refused_naming_the_pin(tmp_path: Path) -> None:
    copy = shutil.copytree(layer("markupsafe") / "python", tmp_path / "python")
    info = copy / "markupsafe-3.0.4.dist-info"
    metadata = info / "METADATA"
    metadata.write_text(metadata.read_text().replace("Version: 3.0.4", "Version: 9.9.9", 1))
    info.rename(copy / "markupsafe-9.9.9.dist-info")
    with pytest.raises(
        LayerError, match=r"MarkupSafe 9\.9\.9 is built for cp314-.*aarch64.*install markupsafe==9\.9\.9"
    ):
        local_view(copy, cache=tmp_path / "cache")


def test_a_layer_without_python_adds_nothing_as_on_lambda(tmp_path: Path) -> None:
    """An asset that was not bundled (its sources: a requirements file) mounts no /opt/python."""
    (tmp_path / "unbundled").mkdir()
    (tmp_path / "unbundled" / "requirements.txt").write_text("markupsafe==3.0.4\n")
    assert python_paths([tmp_path / "unbundled", layer("shop_common")], cache=tmp_path) == [
        layer("shop_common") / "python"
    ]
