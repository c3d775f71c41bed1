"""Every shell command a project's documents show, and what its docs test does with each (its RULES).

Collected from the documents a ``Catalog`` names (globs): each fenced block labelled
``bash``/``sh``/``shell`` (one command per line; ``\\`` continues a line, heredocs included) or
``console`` (``$ command``, then the output the document shows; ``...`` marks left-out lines). A block
without a label fails: label output ``text``, commands ``bash`` or ``console``.

Each command takes the first rule whose pattern matches it in full:

- OFFLINE: runs in a scratch clone from a plain shell (tests/docs/test_commands.py); its exit status and
  the output lines the document shows (in order) must match. In lines matching ``measured`` a benchmark
  measures the numbers: only their text up to the first digit is compared. Resource counts, asset sizes
  and prices are never ``measured``.
- AWS: needs an AWS account; run without credentials it must fail within AWS_SECONDS with one line
  that matches ``error`` and no traceback (make's own ``make: *** ... Error 1`` line aside).
- CI: ``.ci/run`` runs exactly this command as a step of its own; the test checks that it does.
- SERVER: started in the background in the scratch clone and stopped when the module ends, once it prints a
  line matching ``ready``; the commands after it (OFFLINE, e.g. curl) talk to it.
- EXEMPT: not run; ``why`` says why.

A command no rule matches is reported with the rule to add (``Catalog.how_to_classify``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SHELL_LANGUAGES = ("bash", "sh", "shell")
CONSOLE = "console"

OFFLINE, AWS, CI, EXEMPT, SERVER = "offline", "needs AWS", "run by .ci/run", "exempt", "server"
AWS_SECONDS = 10.0
NO_CREDENTIALS = r"error: no AWS credentials: .+"


@dataclass(frozen=True)
class Rule:
    pattern: str  # a regex matching the whole command (continuation lines joined, trailing comment dropped)
    kind: str
    why: str = ""  # EXEMPT: the reason
    exit_status: int = 0  # OFFLINE
    timeout: float = 600  # OFFLINE, seconds
    measured: str = ""  # OFFLINE: regex of shown output lines whose numbers a benchmark measures
    volatile: str = ""  # OFFLINE: regex of parts of an output line that differ on every run (a timestamp): not compared
    ready: str = ""  # SERVER: regex of the output line that says it serves
    error: str = NO_CREDENTIALS  # AWS: the one line it must print


@dataclass(frozen=True)
class Command:
    document: str  # path relative to the repository
    line: int  # 1-based line of the command in the document
    text: str  # as the shell gets it (continuation lines, heredoc included)
    shown: tuple[str, ...] = ()  # console blocks: the output lines the document shows
    exports: tuple[str, ...] = field(default=(), compare=False)  # `export X=Y` lines before it in its block

    @property
    def key(self) -> str:
        """One line: continuations joined, a trailing `# comment` dropped (what RULES match)."""
        joined = re.sub(r"\s*\\\n\s*", " ", self.text)
        return re.sub(r"\s+#\s.*$", "", joined).strip()

    @property
    def where(self) -> str:
        return f"{self.document}:{self.line}"


class Unlabelled(Exception):
    pass


def commands_in(path: Path, root: Path) -> list[Command]:
    """The commands of every shell or console block of one document; raises Unlabelled for a bare fence."""
    lines = path.read_text(encoding="utf-8").splitlines()
    name = str(path.relative_to(root))
    found: list[Command] = []
    i = 0
    while i < len(lines):
        fence = re.match(r"^(\s*)(```+)\s*(\S*)", lines[i])
        if not fence:
            i += 1
            continue
        indent, ticks, language = fence.groups()
        start = i + 1
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(ticks):
            i += 1
        body = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[start:i]]
        i += 1
        if not language:
            raise Unlabelled(
                f"{name}:{start}: a fenced block without a language: label commands bash or console, output text"
            )
        if language in SHELL_LANGUAGES:
            found += _shell_block(name, start, body)
        elif language == CONSOLE:
            found += _console_block(name, start, body)
    return found


@dataclass(frozen=True)
class Catalog:
    """A project's documents (globs under ``root``) and the rules that classify their commands."""

    root: Path
    documents: Sequence[str]
    rules: Sequence[Rule]
    rules_file: str = "the rules"  # where a new rule goes, for the message

    def paths(self) -> list[Path]:
        return sorted({path for pattern in self.documents for path in self.root.glob(pattern)})

    def all_commands(self) -> list[Command]:
        return [command for path in self.paths() for command in commands_in(path, self.root)]

    def rule_for(self, command: Command) -> Rule | None:
        return next((rule for rule in self.rules if re.fullmatch(rule.pattern, command.key)), None)

    def how_to_classify(self, command: Command) -> str:
        return how_to_classify(command, self.rules_file)


def how_to_classify(command: Command, rules_file: str) -> str:
    # re.escape escapes spaces and "-" too; outside a character class (an escaped command has none) both match as
    # themselves, so the suggested pattern reads as the command does.
    example = re.escape(command.key).replace("\\ ", " ").replace("\\-", "-")
    return (
        f"{command.where}: no rule in {rules_file} RULES classifies this command:\n"
        f"    {command.key}\n"
        "Add one (the first rule whose pattern matches the whole command wins), e.g.\n"
        f'    Rule(r"{example}", OFFLINE),  # runs without AWS: exit status and shown output checked\n'
        f'    Rule(r"{example}", AWS),  # needs an account: must fail fast, in one clear line, without one\n'
        f'    Rule(r"{example}", EXEMPT, why="..."),  # not run, and why'
    )


# ---------------------------------------------------------------- block parsing


def _logical_lines(start: int, body: list[str]) -> list[tuple[int, str]]:
    """(document line, command) pairs: `\\` continuations and heredocs kept in one command."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(body):
        first = i
        text = body[i]
        while text.endswith("\\") and i + 1 < len(body):
            i += 1
            text += "\n" + body[i]
        heredoc = re.search(r"<<-?\s*'?(\w+)'?", text)
        if heredoc:
            while i + 1 < len(body) and body[i].strip() != heredoc.group(1):
                i += 1
                text += "\n" + body[i]
        out.append((start + first + 1, text))
        i += 1
    return out


def _shell_block(document: str, start: int, body: list[str]) -> list[Command]:
    commands: list[Command] = []
    exports: list[str] = []
    for line, text in _logical_lines(start, body):
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        commands.append(Command(document, line, text, exports=tuple(exports)))
        if re.fullmatch(r"export \w+=\S+", text.split(" #")[0].strip()):
            exports.append(text.split(" #")[0].strip())
    return commands


def _console_block(document: str, start: int, body: list[str]) -> list[Command]:
    commands: list[Command] = []
    i = 0
    while i < len(body):
        if not body[i].startswith("$ "):
            i += 1  # output before the first prompt: nothing to check it against
            continue
        first, text = i, body[i][2:]
        while text.endswith("\\") and i + 1 < len(body):
            i += 1
            text += "\n" + body[i]
        i += 1
        shown: list[str] = []
        while i < len(body) and not body[i].startswith("$ "):
            shown.append(body[i])
            i += 1
        commands.append(Command(document, start + first + 1, text, tuple(shown)))
    return commands
