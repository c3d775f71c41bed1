"""A scratch clone of a project's working tree (the git checkout the command runs in), for tests that run commands
the way a user would (a docs test, a fork test) without touching the checkout they run from.

Every file git tracks or would add (committed, changed or new; not ignored) is copied with its
modification time into a fresh repository whose one commit is that tree, so ``git diff`` there shows
only what the commands change. ``.venv`` and ``node_modules`` are linked, not copied: with the times
kept, make's stamps stay newer than the requirement files and ``make setup`` reinstalls nothing. mypy's
cache is copied (it is keyed by file contents, so results are the same): a cold one takes minutes here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

LINKED = (".venv", "node_modules")
CACHES = (".mypy_cache",)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def project_root() -> Path:
    """The git checkout of the working directory: the project whose tests run."""
    return Path(_git(Path.cwd(), "rev-parse", "--show-toplevel").strip())


def scratch_clone(dest: Path, root: Path | None = None) -> Path:
    root = root or project_root()
    dest.mkdir(parents=True)
    for name in _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0"):
        source = root / name
        if name and source.is_file():  # a tracked file deleted in the working tree is not copied
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name, follow_symlinks=False)
    for name in LINKED:
        if (root / name).exists():
            (dest / name).symlink_to(root / name)
    for name in CACHES:
        if (root / name).is_dir():
            shutil.copytree(root / name, dest / name, symlinks=True)
    _git(dest, "init", "-q", "-b", "main")
    # .gitignore's ".venv/" matches directories only, not the links.
    (dest / ".git" / "info" / "exclude").write_text("".join(f"/{name}\n" for name in LINKED))
    _git(dest, "add", "-A")
    identity = ("-c", "user.name=scratch", "-c", "user.email=scratch@example.invalid")
    _git(dest, *identity, "commit", "-q", "--no-verify", "-m", "scratch clone of the working tree")
    return dest


def plain_env(root: Path | None = None, **extra: str) -> dict[str, str]:
    """A plain shell's environment: nothing activated, no AWS credentials or profile (and none to find on
    the instance metadata endpoint), no make state inherited from a `make test-docs` around this run."""
    root = root or project_root()
    project_dirs = {str(root / ".venv" / "bin"), str(root / "node_modules" / ".bin")}
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p not in project_dirs)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "CDK_", "MAKE"))
        and k not in ("VIRTUAL_ENV", "PYTHONPATH", "MFLAGS", "PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS")
    }
    return {
        **env,
        "PATH": path,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        **extra,
    }
