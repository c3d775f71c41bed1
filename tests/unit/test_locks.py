"""Supply chain: every Python install comes from a hash-pinned lock file that `make lock` generates from the
human-edited requirements*.txt. Offline checks that the locks are current: each exact pin of an entry point
(following its -r includes) is in its lock at that version, and every locked package carries sha256 hashes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stacks.tracing_backends import TRACING_BACKENDS, requirements_file

ROOT = Path(__file__).resolve().parents[2]
# Each tracing backend's dependencies layer: its requirements.txt and the lock beside it (Makefile, target lock).
LAYER_REQUIREMENTS = [
    path.relative_to(ROOT).as_posix() for path in map(requirements_file, TRACING_BACKENDS) if path is not None
]
# entry point -> the lock `make lock` writes from it (Makefile, target lock)
LOCKS = {
    "requirements-uv.txt": "requirements-uv.lock",
    "requirements-dev.txt": "requirements-dev.lock",
    "requirements-checkov.txt": "requirements-checkov.lock",
    "requirements-docs.txt": "requirements-docs.lock",
    "requirements-adot.txt": "requirements-adot.lock",
    **{entry: entry.removesuffix(".txt") + ".lock" for entry in LAYER_REQUIREMENTS},
}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+)")
_LOCKED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def entry_pins(path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins |= entry_pins(path.parent / line[3:].strip())
        elif line:
            match = _PIN.match(line)
            assert match, f"{path.name}: {line!r} is not pinned exactly (name==version)"
            pins[normalize(match.group(1))] = match.group(3)
    return pins


def locked(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of --hash lines)."""
    out: dict[str, tuple[str, int]] = {}
    current = None
    for line in path.read_text().splitlines():
        match = _LOCKED.match(line)
        if match:
            current = normalize(match.group(1))
            out[current] = (match.group(2), 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = out[current]
            out[current] = (version, hashes + 1)
    return out


def stale_pins(entry: Path, lock: Path) -> dict[str, tuple[str, str]]:
    """name -> (pinned, locked) for every pin of ``entry`` that ``lock`` lacks or has at another version."""
    packages = locked(lock)
    both = {name: (version, packages.get(name, ("missing", 0))[0]) for name, version in entry_pins(entry).items()}
    return {name: versions for name, versions in both.items() if versions[0] != versions[1]}


@pytest.mark.parametrize(("entry", "lock"), LOCKS.items())
def test_lock_has_every_pin_of_its_entry_point_with_hashes(entry: str, lock: str) -> None:
    stale = stale_pins(ROOT / entry, ROOT / lock)
    assert not stale, f"{lock} is stale (pinned, locked): {stale}; run `make lock`"
    packages = locked(ROOT / lock)
    assert packages and all(hashes for _, hashes in packages.values()), f"{lock}: a package without hashes"


@pytest.mark.parametrize("entry", LAYER_REQUIREMENTS)
def test_layer_lock_has_exactly_the_layer_packages(entry: str) -> None:
    # --no-deps: the layer installs exactly what its requirements.txt lists, never the runtime's boto3/botocore.
    assert set(locked(ROOT / LOCKS[entry])) == set(entry_pins(ROOT / entry))


def test_a_changed_pin_or_a_new_package_makes_the_lock_stale(tmp_path: Path) -> None:
    lock = ROOT / "requirements-dev.lock"
    (tmp_path / "bumped.txt").write_text("boto3==9.9.9\n-r new.txt\n")
    (tmp_path / "new.txt").write_text("some-new-package==1.0  # added by hand\n")
    assert stale_pins(tmp_path / "bumped.txt", lock) == {
        "boto3": ("9.9.9", locked(lock)["boto3"][0]),
        "some-new-package": ("1.0", "missing"),
    }
    (tmp_path / "loose.txt").write_text("boto3>=1\n")
    with pytest.raises(AssertionError, match="not pinned exactly"):
        entry_pins(tmp_path / "loose.txt")
