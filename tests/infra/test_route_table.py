"""The API pages' route table is generated from what the service deploys (stacks/route_table.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks import route_table
from stacks.service_stack import FUNCTIONS


def test_the_api_pages_route_tables_are_what_the_functions_declare() -> None:
    assert route_table.stale_documents(FUNCTIONS) == [], "run `make routes-table` and commit the pages"


def test_a_table_names_each_route_its_function_and_its_data_access() -> None:
    table = route_table.route_table(FUNCTIONS, route_table.DOCUMENTS["docs/api.md"]).splitlines()
    assert table[3] == (
        "| `POST /orders` | `orders` (orders API) | orders_table: read/write, receipt_secret: read, config: read |"
    )
    assert table[4].startswith("| `GET /orders/{order_id}` | `orders` (orders API) |")


def test_a_page_without_exactly_one_table_is_refused(tmp_path: Path) -> None:
    (tmp_path / "docs" / "ja").mkdir(parents=True)
    (tmp_path / "docs" / "api.md").write_text("no table here\n")
    (tmp_path / "docs" / "ja" / "api.md").write_text(f"{route_table.START}\n{route_table.END}\n" * 2)
    with pytest.raises(ValueError, match=r"docs/api\.md: expected one route table"):
        route_table.stale_documents(FUNCTIONS, tmp_path)
