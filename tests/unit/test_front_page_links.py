"""The front pages' links work on GitHub: every relative link of README.md, README.ja.md and CONTRIBUTING.md names
a file of the repository and, with a #fragment, a heading of that page. The pages under docs/ are checked by the
site's strict build (`make docs`); these three live outside docs/, where that build does not look."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONT_PAGES = ("README.md", "README.ja.md", "CONTRIBUTING.md")
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^\s*```.*?^\s*```", re.MULTILINE | re.DOTALL)


def github_anchor(heading: str) -> str:
    """GitHub's anchor of a heading: code marks dropped, lower case, punctuation dropped, each space a hyphen
    (mkdocs.yml's slugify makes the same ones for the site)."""
    return re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {github_anchor(m) for m in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)}


def relative_links(page: str) -> list[str]:
    text = re.sub(r"`[^`\n]*`", "", FENCE.sub("", (ROOT / page).read_text(encoding="utf-8")))  # code is not a link
    return [link for link in LINK.findall(text) if not re.match(r"[a-z]+:", link)]


@pytest.mark.parametrize("page", FRONT_PAGES)
def test_every_relative_link_names_a_file_and_a_heading(page: str) -> None:
    broken = []
    for link in relative_links(page):
        path, _, fragment = link.partition("#")
        target = (ROOT / page).parent / path if path else ROOT / page
        if not target.exists():
            broken.append(f"{link}: no file {path}")
        elif fragment and fragment not in anchors(target):
            broken.append(f"{link}: {path or page} has no heading with the anchor #{fragment}")
    assert not broken, f"{page}: " + "; ".join(broken)


def test_anchors_are_githubs() -> None:
    assert github_anchor("Run it locally: AWS's runtime client, `make local`, `make serve`") == (
        "run-it-locally-awss-runtime-client-make-local-make-serve"
    )
    assert github_anchor("アクセス制御と影響範囲（blast radius）") == "アクセス制御と影響範囲blast-radius"
    assert github_anchor("A — B") == "a--b"  # GitHub keeps both hyphens of a dropped dash
