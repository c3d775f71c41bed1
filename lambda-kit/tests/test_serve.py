"""``lambda-kit serve`` on the fixture assembly, as a user starts it (a process, real HTTP on 127.0.0.1): the
templates' routes answered by the function's synthesized assets, the gateway's own answers, and a broken asset's
init error shown as Lambda logs it."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "shop" / "cdk.out"


class Served:
    def __init__(self, assembly: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lambda_kit", "serve", "--assembly", str(assembly), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        self.lines: list[str] = []
        self.url = ""
        for line in self.process.stdout:
            self.lines.append(line)
            if found := re.search(r"listening on (http://\S+)", line):
                self.url = found.group(1)
                break
        assert self.url, "".join(self.lines)
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout or ()), daemon=True)
        self._reader.start()

    def request(self, method: str, path: str, body: object = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"content-type": "application/json"} if data else {}
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)  # Ctrl-C, as a user stops it
        self.process.wait(timeout=30)
        self._reader.join(timeout=5)
        return "".join(self.lines)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    front = Served(FIXTURE)
    yield front
    output = front.stop()
    assert front.process.returncode == 0 and output.rstrip().endswith("moto server and the UDP listener"), output


def test_the_templates_routes_are_served_by_the_synthesized_function(served: Served) -> None:
    assert served.request("POST", "/items", {"id": "s-1", "name": "jam"}) == (201, b'{"id": "s-1", "name": "jam"}')
    assert served.request("GET", "/items/s-1") == (200, b'{"id": "s-1", "name": "jam"}')
    status, body = served.request("GET", "/hello")
    assert status == 200 and json.loads(body)["speedups"] is True
    startup = "".join(served.lines)
    assert "route GET /items/{id} -> Shop (shop.handler.handle, 256 MB, timeout 5 s)" in startup
    assert re.search(r"created AWS::DynamoDB::Table shop-dev-data/Items\w+: shop-dev-data-Items", startup)


def test_a_request_no_route_matches_gets_the_gateways_404(served: Served) -> None:
    status, body = served.request("GET", "/nowhere")
    assert status == 404 and json.loads(body) == {"message": "Not Found"}


def test_a_broken_asset_answers_500_and_logs_the_init_error(tmp_path: Path) -> None:
    copy = shutil.copytree(FIXTURE, tmp_path / "cdk.out")
    next(copy.glob("asset.*/shop/handler.py")).unlink()
    front = Served(copy)
    try:
        status, body = front.request("GET", "/hello")
    finally:
        output = front.stop()
    assert status == 500 and json.loads(body) == {"message": "Internal Server Error"}
    assert "[ERROR] Runtime.ImportModuleError: Unable to import module 'shop.handler'" in output
    assert "Phase: init\tStatus: error\tError Type: Runtime.ImportModuleError" in output
    assert re.search(r'"GET /hello" 500 .*function error Runtime\.ImportModuleError', output)
