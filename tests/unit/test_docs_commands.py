"""Every command the documents show is classified (tests/docs/commands.py RULES), fast, in `make test`:
a new command in a document fails here, with the rule to add, before `make test-docs` runs anything."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lambda_kit.docs import commands as docs
from lambda_kit.docs.commands import CI, EXEMPT, OFFLINE, Command, Rule

ROOT = Path(__file__).resolve().parents[2]


def test_every_command_in_the_documents_is_classified() -> None:
    unclassified = [docs.how_to_classify(c) for c in docs.all_commands() if docs.rule_for(c) is None]
    assert not unclassified, "\n\n".join(unclassified)


def test_the_documents_have_commands() -> None:
    found = {c.document for c in docs.all_commands()}
    assert {"README.md", "README.ja.md", "CONTRIBUTING.md", "docs/tools.md"} <= found


def test_every_rule_is_used_and_exemptions_say_why() -> None:
    commands = docs.all_commands()
    for rule in docs.RULES:
        assert any(docs.rule_for(c) == rule for c in commands), f"no document command needs {rule}"
        assert rule.kind != EXEMPT or len(rule.why) > 20, rule


def test_what_ci_runs_is_in_ci() -> None:
    steps = {line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()}
    for command in docs.all_commands():
        rule = docs.rule_for(command)
        if rule and rule.kind == CI:
            assert command.key in steps, f"{command.where}: .ci/run does not run `{command.key}`"


def test_an_unknown_command_is_reported_with_the_rule_to_add() -> None:
    unknown = Command("README.md", 7, "make frobnicate PORT=8080")
    assert docs.rule_for(unknown) is None
    message = docs.how_to_classify(unknown)
    assert "README.md:7" in message and 'Rule(r"make frobnicate PORT=8080", OFFLINE)' in message


SAMPLE = """
Text `inline` is not collected.

```bash
make synth   # a comment
export AWS_REGION=eu-west-1
python -m x --a 1 \\
  --b 2
cat > /tmp/f <<EOF
{"a": 1}
EOF
```

  ```console
  $ make bench
  line one
  ...
  line two
  $ make other
  ```

```json
{"not": "a command"}
```
"""


def test_blocks_are_parsed_into_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docs, "ROOT", tmp_path)
    (tmp_path / "README.md").write_text(SAMPLE)
    found = docs.commands_in(tmp_path / "README.md")
    assert [c.key for c in found] == [
        "make synth",
        "export AWS_REGION=eu-west-1",
        "python -m x --a 1 --b 2",
        'cat > /tmp/f <<EOF\n{"a": 1}\nEOF',
        "make bench",
        "make other",
    ]
    assert found[2].exports == ("export AWS_REGION=eu-west-1",)
    assert found[2].line == 7
    assert found[4].shown == ("line one", "...", "line two")
    (tmp_path / "README.md").write_text("```\nmake synth\n```\n")
    with pytest.raises(docs.Unlabelled, match=r"README\.md:1:"):
        docs.commands_in(tmp_path / "README.md")


def test_rules_match_whole_commands() -> None:
    assert re.fullmatch(Rule(r"make bench", OFFLINE).pattern, "make bench")
    assert docs.rule_for(Command("x", 1, "make bench; rm -rf /")) is None
