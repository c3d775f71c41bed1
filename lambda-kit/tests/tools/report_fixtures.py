"""Lambda reports as they appear in public material, each with its source: AWS documentation, GitHub
issues (CloudWatch console copies, `aws logs tail`, `sam logs`, Logs Insights), and other projects' test
fixtures (AWS Lambda Power Tuning, Datadog). Lines are kept as published (request ids, `xmpl`
placeholders, odd spacing and all); where a source wraps them (a JSON string, a base64 blob, a markdown
table) the wrapper is kept too, because reading through it is the point. Hand-written ones say so.

They are data, in ``report_fixtures.toml`` beside this module: one ``[[fixture]]`` table each, read here into
``Fixture``. ``expect`` lists the fields the parser must return; ``absent`` the fields that must be ``None``
(not 0).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES_FILE = Path(__file__).with_name("report_fixtures.toml")


@dataclass(frozen=True)
class Fixture:
    name: str
    form: str
    source: str
    text: str
    expect: dict[str, Any]
    absent: tuple[str, ...] = ()
    notes: str = ""


_DOCUMENT = tomllib.loads(FIXTURES_FILE.read_text(encoding="utf-8"))

FIXTURES: tuple[Fixture, ...] = tuple(
    Fixture(**{**entry, "absent": tuple(entry.get("absent", ()))}) for entry in _DOCUMENT["fixture"]
)
# Lines that are not a report: the parser must say so, not fail on a number. (source, text)
NOT_REPORTS: tuple[tuple[str, str], ...] = tuple((entry["source"], entry["text"]) for entry in _DOCUMENT["not_report"])
