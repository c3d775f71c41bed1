"""Every shell command the documents show, and what the docs test does with each (RULES).

Collected from README.md, README.ja.md, CONTRIBUTING.md and docs/**/*.md: each fenced block labelled
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

A command no rule matches fails tests/unit/test_docs_commands.py (in ``make test``), which prints the rule
to add.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ("README.md", "README.ja.md", "CONTRIBUTING.md", "docs/**/*.md")
SHELL_LANGUAGES = ("bash", "sh", "shell")
CONSOLE = "console"

OFFLINE, AWS, CI, EXEMPT, SERVER = "offline", "needs AWS", "run by .ci/run", "exempt", "server"
AWS_SECONDS = 10.0
NO_CREDENTIALS = r"error: no AWS credentials: .+"

# Output lines of the synth benchmark whose numbers are measurements (timings, ratio). `make bench`'s output is
# shown as text (a run with ARGS), not as a command the docs test runs.
SYNTH_BENCH_MEASURED = r"\s*(bare one-function app|this app, |ratio this/bare)"
AWS_CLI_WALKTHROUGH = (
    "the AWS CLI against deployed stacks: needs an account and a deployment, and the AWS CLI is the user's "
    "own tool (make setup does not install it)"
)


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


RULES: tuple[Rule, ...] = (
    # -- setup, tests and quality gates
    Rule(r"make (synth|test|lint|docs|test-docs|policy-checks|mutation)", CI),
    Rule(r"make mutation MUTATION_MODULES=\S+", OFFLINE, timeout=900),
    Rule(r"cat \.mutation/report\.md", OFFLINE),
    Rule(r"make setup", OFFLINE, timeout=300),
    Rule(r"make lock", OFFLINE, timeout=300),
    Rule(
        r"\.venv/bin/pytest( -m (unit|infra|integration|contract)| tests/unit/tools/test_cost\.py -k break_even)",
        OFFLINE,
    ),
    Rule(r"PROPERTY_EXAMPLES=\d+ \.venv/bin/pytest tests/integration/test_property\.py", OFFLINE),
    Rule(r"\.venv/bin/pytest tests/infra( -q)? --snapshot-update", OFFLINE),
    Rule(r"git diff tests/infra/__snapshots__/", OFFLINE),
    # -- a second function (docs/second-function.md): written, registered, tested in the docs' clone
    Rule(r"mkdir lambda_src/status", OFFLINE),
    Rule(r"cat > lambda_src/status/\w+\.py <<'EOF'\n[\s\S]+", OFFLINE),
    Rule(r"git apply <<'EOF'\n[\s\S]+", OFFLINE),
    Rule(r"make routes-table", OFFLINE),
    Rule(r"git status --short", OFFLINE),
    Rule(r"\.venv/bin/pre-commit (install|run --all-files)", OFFLINE),
    # -- synth: the stage configuration section
    Rule(
        r"npx cdk synth( -c stage=prod)? -c (prod\.memory_mb=99|prod\.cold_start_strategy=snapstart|prod\.memory=2048"
        r"|memory_mb=2048|power_tuning=yes|prod\.reserved_concurrency=5)",
        OFFLINE,
        exit_status=1,
    ),
    Rule(r"npx cdk synth( -c [a-z_.]+=[a-z0-9,-]+)*", OFFLINE),
    # -- running it locally
    Rule(r"make local", OFFLINE, measured=r".*"),  # ids, ports and durations change on every run
    Rule(r"make serve PORT=8080", SERVER, ready=r"listening on http://\S+:8080", timeout=300),
    # Each new order gets its own time and, so, its own receipt (an HMAC of the order).
    Rule(
        r"curl -s -w ' %\{http_code\}\\n' .*localhost:8080/orders.*",
        OFFLINE,
        volatile=r'"created_at":"[^"]+"|"receipt":"[0-9a-f]+"',
    ),
    Rule(r"make e2e STAGE=[a-z0-9]+", AWS),
    # -- benchmarks
    Rule(r"\.venv/bin/python -m local\.trace_comparison", OFFLINE),
    Rule(r"make bench-synth", OFFLINE, measured=SYNTH_BENCH_MEASURED),
    # -- tools
    Rule(r"\.venv/bin/python -m tools\.cost( --[a-z-]+ [\w./-]+)+", OFFLINE),
    Rule(r"\.venv/bin/python -m tools\.(cold_start|power_tuning) .+", AWS),
    # -- deploying to an account
    Rule(r"export AWS_REGION=[a-z0-9-]+", OFFLINE),
    Rule(r"make (bootstrap|diff|deploy|destroy|cold-start|power-tuning)( STAGE=[a-z0-9]+)?( ARGS=.*)?", AWS),
    Rule(r"aws configure sso", EXEMPT, why="interactive sign-in with the AWS CLI, the user's own tool"),
    Rule(r"(export )?(API|SM|FN|FN_ARN|EXEC)=\$\(aws .+\)|aws stepfunctions .+", EXEMPT, why=AWS_CLI_WALKTHROUGH),
    Rule(
        r"\.venv/bin/python - <<'EOF'\nimport json, os, urllib\.request\nfrom botocore\.auth import SigV4Auth\n[\s\S]+",
        EXEMPT,
        why="sends a SigV4-signed request to the deployed API; tests/unit/test_readme_sigv4.py runs this block as "
        "written against a local server that checks the signature",
    ),
    Rule(r"curl .+\$API/orders.*", EXEMPT, why="calls the API of a deployed stack (its URL comes from AWS)"),
    Rule(r"REGION=ap-northeast-1", EXEMPT, why="sets a variable for the AWS CLI walkthrough that follows it"),
    Rule(r"cat > /tmp/pt-input\.json <<EOF\n[\s\S]+", EXEMPT, why="writes the walkthrough's input from $FN_ARN"),
)


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


def documents() -> list[Path]:
    return sorted({path for pattern in DOCUMENTS for path in ROOT.glob(pattern)})


def commands_in(path: Path) -> list[Command]:
    """The commands of every shell or console block of one document; raises Unlabelled for a bare fence."""
    lines = path.read_text(encoding="utf-8").splitlines()
    name = str(path.relative_to(ROOT))
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


def all_commands() -> list[Command]:
    return [command for path in documents() for command in commands_in(path)]


def rule_for(command: Command) -> Rule | None:
    return next((rule for rule in RULES if re.fullmatch(rule.pattern, command.key)), None)


def how_to_classify(command: Command) -> str:
    example = re.escape(command.key).replace("\\ ", " ")
    return (
        f"{command.where}: no rule in tests/docs/commands.py RULES classifies this command:\n"
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
