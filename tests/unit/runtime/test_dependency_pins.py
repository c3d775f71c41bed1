"""Local runs must import what Lambda imports: the venv's aws-xray-sdk and wrapt are the versions the
dependencies layer pins (local.lambda_process links the venv's copies in as that layer)."""

from importlib.metadata import version
from pathlib import Path

LAYER_REQUIREMENTS = Path(__file__).resolve().parents[3] / "layers" / "dependencies" / "requirements.txt"


def pins():
    out = {}
    for line in LAYER_REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            out[name.strip()] = pinned.strip()
    return out


def test_layer_pins_every_runtime_dependency_exactly():
    assert set(pins()) == {"aws-xray-sdk", "wrapt"}
    assert all(pins().values())


def test_venv_matches_the_layer():
    assert {name: version(name) for name in pins()} == pins()


def test_wrapt_is_1_x():
    # wrapt 2.x imports asyncio at import time: ~25 ms more cold start here for nothing the SDK uses
    # (python -m local.bench --importtime). 1.17.3 has cp314 wheels for x86_64 and aarch64.
    assert pins()["wrapt"].startswith("1.")
