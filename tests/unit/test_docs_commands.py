"""Every command the documents show is classified (tests/docs/commands.py RULES), fast, in `make test`:
a new command in a document fails here, with the rule to add, before `make test-docs` runs anything."""

from __future__ import annotations

from pathlib import Path

from lambda_kit.docs.commands import CI, EXEMPT, Command

from tests.docs.rules import CATALOG, RULES

ROOT = Path(__file__).resolve().parents[2]


def test_every_command_in_the_documents_is_classified() -> None:
    unclassified = [CATALOG.how_to_classify(c) for c in CATALOG.all_commands() if CATALOG.rule_for(c) is None]
    assert not unclassified, "\n\n".join(unclassified)


def test_the_documents_have_commands() -> None:
    found = {c.document for c in CATALOG.all_commands()}
    assert {"README.md", "README.ja.md", "CONTRIBUTING.md", "docs/tools.md"} <= found


def test_every_rule_is_used_and_exemptions_say_why() -> None:
    commands = CATALOG.all_commands()
    for rule in RULES:
        assert any(CATALOG.rule_for(c) == rule for c in commands), f"no document command needs {rule}"
        assert rule.kind != EXEMPT or len(rule.why) > 20, rule


def test_what_ci_runs_is_in_ci() -> None:
    steps = {line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()}
    for command in CATALOG.all_commands():
        rule = CATALOG.rule_for(command)
        if rule and rule.kind == CI:
            assert command.key in steps, f"{command.where}: .ci/run does not run `{command.key}`"


def test_an_unknown_command_is_reported_with_the_rule_to_add() -> None:
    unknown = Command("README.md", 7, "make frobnicate PORT=8080")
    assert CATALOG.rule_for(unknown) is None
    message = CATALOG.how_to_classify(unknown)
    assert "README.md:7" in message and 'Rule(r"make frobnicate PORT=8080", OFFLINE)' in message
