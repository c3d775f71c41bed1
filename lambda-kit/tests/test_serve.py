"""``lambda-kit serve`` on the fixture assembly, as a user starts it (a process, real HTTP on 127.0.0.1): the
templates' routes answered by the function's synthesized assets, the gateway's own answers, and a broken asset's
init error shown as Lambda logs it."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.served import FIXTURE, Served


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    front = Served(FIXTURE)
    yield front
    output = front.stop()
    assert front.process.returncode == 0 and output.rstrip().endswith("moto server and the UDP listener"), output


def test_the_templates_routes_are_served_by_the_synthesized_function(served: Served) -> None:
    assert served.request("POST", "/items", {"id": "s-1", "name": "jam"})[::2] == (201, b'{"id": "s-1", "name": "jam"}')
    assert served.request("GET", "/items/s-1")[::2] == (200, b'{"id": "s-1", "name": "jam"}')
    status, _, body = served.request("GET", "/hello")
    assert status == 200 and json.loads(body)["speedups"] is True
    startup = "".join(served.lines)
    assert "route GET /items/{id} -> Shop (shop.handler.handle, 256 MB, timeout 5 s)" in startup
    assert re.search(r"created AWS::DynamoDB::Table shop-dev-data/Items\w+: shop-dev-data-Items", startup)


def test_a_request_no_route_matches_gets_the_gateways_404(served: Served) -> None:
    status, headers, body = served.request("GET", "/nowhere")
    assert status == 404 and body == b'{"message":"Not Found"}' and headers["content-type"] == "application/json"


def test_a_broken_asset_answers_500_and_logs_the_init_error(tmp_path: Path) -> None:
    copy = shutil.copytree(FIXTURE, tmp_path / "cdk.out")
    next(copy.glob("asset.*/shop/handler.py")).unlink()
    front = Served(copy)
    try:
        status, _, body = front.request("GET", "/hello")
    finally:
        output = front.stop()
    assert status == 500 and json.loads(body) == {"message": "Internal Server Error"}
    assert "[ERROR] Runtime.ImportModuleError: Unable to import module 'shop.handler'" in output
    assert "Phase: init\tStatus: error\tError Type: Runtime.ImportModuleError" in output
    assert re.search(r'"GET /hello" 500 .*function error Runtime\.ImportModuleError', output)
