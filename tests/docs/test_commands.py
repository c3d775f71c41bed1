"""Every command the documents show, run as written from a plain shell in a scratch clone (make test-docs).

What each command is, and so what is checked, comes from CATALOG in tests/docs/rules.py. A command
shown in several documents (README.md and README.ja.md) runs once; the output each of them shows is
checked. Commands run in document order, so a later one sees what an earlier one did (`pytest
--snapshot-update`, then `git diff`), as a reader following the document would.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lambda_kit.docs.commands import AWS, AWS_SECONDS, CI, EXEMPT, OFFLINE, SERVER, Command, Rule
from tests.docs.rules import CATALOG
from lambda_kit.docs.scratch import plain_env, scratch_clone

BY_KEY: dict[str, list[Command]] = {}
for _command in CATALOG.all_commands():
    BY_KEY.setdefault(_command.key, []).append(_command)
MAKE_ERROR = re.compile(r"make(\[\d+\])?: \*\*\* ")  # make's own "make: *** [Makefile:12: x] Error 1"


def _installed_kit() -> str | None:
    """Where this venv's kit is installed from (its editable install's direct_url.json)."""
    return importlib.metadata.distribution("lambda-kit").read_text("direct_url.json")


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    kit = _installed_kit()
    path = scratch_clone(tmp_path_factory.mktemp("docs") / "clone")
    yield path
    # The clone links this checkout's .venv: a command there that reinstalled it (`make setup` after a lock file's
    # time changed) would leave the checkout's kit installed from the clone, gone once the tests end.
    assert _installed_kit() == kit, f"a command in the scratch clone reinstalled this checkout's kit: {_installed_kit()}"
    for command, server, output in SERVERS:
        # Ctrl-C, as the reader stops it: it then prints what it stopped.
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=60)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
        _check_shown(command, output.read_text(), r".*", "")


SERVERS: list[tuple[Command, subprocess.Popen[bytes], Path]] = []  # started by SERVER commands, in this module


def _run(command: Command, cwd: Path, timeout: float) -> tuple[int, str, float]:
    script = "\n".join([*command.exports, command.text])
    start = time.monotonic()
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=plain_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return result.returncode, result.stdout, time.monotonic() - start


def _matcher(shown: str, measured: str, volatile: str) -> Callable[[str], bool]:
    """Shown lines match exactly, but for their `volatile` parts; in a `measured` line only the text before the
    first number counts. A leading ``^C`` is the terminal's echo of Ctrl-C, not output."""
    shown = shown.removeprefix("^C ")
    if measured and re.match(measured, shown):
        label = " ".join(re.split(r"\d", shown, maxsplit=1)[0].split())
        return lambda actual: " ".join(actual.split()).startswith(label)
    if volatile:
        return lambda actual: re.sub(volatile, "~", actual.rstrip()) == re.sub(volatile, "~", shown.rstrip())
    return lambda actual: actual.rstrip() == shown.rstrip()


def _check_shown(command: Command, output: str, measured: str, volatile: str) -> None:
    actual = output.splitlines()
    position = 0
    for shown in command.shown:
        if shown.strip() in ("", "..."):
            continue
        matches = _matcher(shown, measured, volatile)
        while position < len(actual) and not matches(actual[position]):
            position += 1
        assert position < len(actual), (
            f"{command.where} shows this output line, which `{command.key}` did not print (in that order):\n"
            f"    {shown}\noutput:\n{output[-4000:]}"
        )
        position += 1


def _offline(commands: list[Command], rule: Rule, cwd: Path) -> None:
    status, output, _ = _run(commands[0], cwd, rule.timeout)
    assert status == rule.exit_status, f"{commands[0].where}: `{commands[0].key}` exited {status}:\n{output[-4000:]}"
    for command in commands:
        _check_shown(command, output, rule.measured, rule.volatile)


def _serve(command: Command, rule: Rule, cwd: Path) -> None:
    output = cwd.parent / f"server-{len(SERVERS)}.log"
    with output.open("wb") as sink:
        server = subprocess.Popen(
            ["bash", "-c", "\n".join([*command.exports, command.text])],
            cwd=cwd,
            env=plain_env(),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: make, the server and its children stop together
        )
    SERVERS.append((command, server, output))
    deadline = time.monotonic() + rule.timeout
    while not re.search(rule.ready, output.read_text(errors="replace")):
        assert server.poll() is None, (
            f"{command.where}: `{command.key}` exited {server.returncode}:\n{output.read_text()}"
        )
        assert time.monotonic() < deadline, f"{command.where}: `{command.key}` not ready in {rule.timeout} s"
        time.sleep(0.2)


def _needs_aws(command: Command, rule: Rule, cwd: Path) -> None:
    status, output, seconds = _run(command, cwd, timeout=AWS_SECONDS * 6)
    where = f"{command.where}: `{command.key}` without AWS credentials"
    assert status != 0, f"{where} succeeded:\n{output}"
    assert seconds <= AWS_SECONDS, f"{where} took {seconds:.1f} s to fail (at most {AWS_SECONDS} s):\n{output}"
    assert "Traceback" not in output, f"{where} printed a traceback:\n{output}"
    lines = [line for line in output.splitlines() if line.strip() and not MAKE_ERROR.match(line)]
    assert len(lines) == 1 and re.fullmatch(rule.error, lines[0]), (
        f"{where} should print one line matching {rule.error!r}, printed:\n{output}"
    )


@pytest.mark.parametrize("key", list(BY_KEY), ids=[f"{c[0].where} {c[0].key[:50]}" for c in BY_KEY.values()])
def test_command_works_as_documented(clone: Path, key: str) -> None:
    commands = BY_KEY[key]
    rule = CATALOG.rule_for(commands[0])
    assert rule is not None, "unclassified: tests/unit/test_docs_commands.py says which rule to add"
    if rule.kind in (EXEMPT, CI):
        pytest.skip(rule.why or "a step of .ci/run (tests/unit/test_docs_commands.py checks that it is)")
    if rule.kind == OFFLINE:
        _offline(commands, rule, clone)
    elif rule.kind == SERVER:
        _serve(commands[0], rule, clone)
    elif rule.kind == AWS:
        _needs_aws(commands[0], rule, clone)
    else:
        pytest.fail(f"unknown kind {rule.kind!r} in {rule}")
