"""The docs-command runner's parsing and classification: fenced blocks into commands, rules matching whole
commands, and the message that names the rule to add."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lambda_kit.docs import commands as docs
from lambda_kit.docs.commands import OFFLINE, Catalog, Command, Rule

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


def test_blocks_are_parsed_into_commands(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(SAMPLE)
    found = docs.commands_in(tmp_path / "README.md", tmp_path)
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
        docs.commands_in(tmp_path / "README.md", tmp_path)


def test_rules_match_whole_commands(tmp_path: Path) -> None:
    assert re.fullmatch(Rule(r"make bench", OFFLINE).pattern, "make bench")
    catalog = Catalog(tmp_path, (), (Rule(r"make bench", OFFLINE),))
    assert catalog.rule_for(Command("x", 1, "make bench; rm -rf /")) is None


def test_a_catalog_collects_its_documents_and_names_the_rule_to_add(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text(SAMPLE)
    (tmp_path / "docs" / "page.md").write_text("```bash\nmake frobnicate PORT=8080\n```\n")
    catalog = Catalog(tmp_path, ("README.md", "docs/**/*.md"), (Rule(r"make .+", OFFLINE),), rules_file="rules.py")
    commands = catalog.all_commands()
    assert {c.document for c in commands} == {"README.md", "docs/page.md"}
    unknown = next(c for c in commands if c.key.startswith("python"))
    assert catalog.rule_for(unknown) is None and catalog.rule_for(commands[0]) == Rule(r"make .+", OFFLINE)
    message = catalog.how_to_classify(unknown)
    assert "README.md:7" in message and "no rule in rules.py" in message
    assert 'Rule(r"python -m x --a 1 --b 2", OFFLINE)' in message and "EXEMPT, why=" in message
