"""``lambda-kit``: one console script whose subcommands each get the rest of the command line."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys

import pytest

from lambda_kit import __version__
from lambda_kit.cli import COMMANDS, main


def kit(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lambda_kit", *args], capture_output=True, text=True, env={**os.environ, **env}
    )


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_takes_its_arguments(name: str) -> None:
    entry = importlib.import_module(COMMANDS[name].module).main
    parameters = list(inspect.signature(entry).parameters.values())
    assert parameters and parameters[0].name == "argv", f"{name}: main(argv) gets the rest of the command line"


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - {"credentials"}))
def test_every_command_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([name, "--help"])
    assert done.value.code == 0 and f"lambda-kit {name}" in capsys.readouterr().out


def test_version_usage_and_an_unknown_command() -> None:
    assert kit("--version").stdout == f"lambda-kit {__version__}\n"
    usage = kit()
    assert usage.returncode == 2 and all(f"  {name} " in usage.stdout for name in COMMANDS)
    unknown = kit("frobnicate")
    assert unknown.returncode == 2 and "lambda-kit: unknown command 'frobnicate'" in unknown.stderr


def test_credentials_says_in_one_line_that_there_are_none() -> None:
    nowhere = {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | nowhere
    done = subprocess.run(
        [sys.executable, "-m", "lambda_kit", "credentials"],
        capture_output=True,
        text=True,
        env={**env, "AWS_EC2_METADATA_DISABLED": "true"},
    )
    assert done.returncode == 1 and done.stderr.startswith("error: no AWS credentials: ")
    assert len(done.stderr.splitlines()) == 1
