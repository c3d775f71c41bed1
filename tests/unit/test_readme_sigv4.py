"""The docs' SigV4 example, run as written: the Python block of "Access control" (docs/security.md) signs a request
to a local server, which recomputes the signature with botocore (the SigV4 that API Gateway's IAM authorizer
checks) from what it received. A wrong service name, region, header or body would change the signature."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token-example")
REGION = "ap-northeast-1"


def sigv4_python_block() -> str:
    section = (ROOT / "docs" / "security.md").read_text().split("## Access control", 1)[1]
    match = re.search(r"^\.venv/bin/python - <<'EOF'\n(.*?)^EOF$", section, re.MULTILINE | re.DOTALL)
    assert match, "docs/security.md: the SigV4 example's heredoc is gone"
    return match.group(1)


class _Recorder(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(("POST", self.path, dict(self.headers.items()), body))
        payload = b'{"order_id": "o-1"}'
        self.send_response(201)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    _Recorder.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()


def expected_signature(method: str, url: str, headers: dict[str, str], body: bytes) -> str:
    """botocore's SigV4 over the signed headers as received, at the request's own timestamp."""
    signed = re.search(r"SignedHeaders=([^,]+)", headers["Authorization"]).group(1).split(";")  # type: ignore[union-attr]
    lower = {k.lower(): v for k, v in headers.items()}
    request = AWSRequest(method, url, data=body, headers={name: lower[name] for name in signed})
    request.context["timestamp"] = lower["x-amz-date"]
    auth = SigV4Auth(CREDENTIALS, "execute-api", REGION)
    canonical = auth.canonical_request(request)
    return auth.signature(auth.string_to_sign(request, canonical), request)


def test_readme_sigv4_example_signs_for_execute_api(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{server.server_address[1]}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "API": api,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": CREDENTIALS.access_key,
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS.secret_key,
        "AWS_SESSION_TOKEN": CREDENTIALS.token,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    result = subprocess.run(
        [sys.executable, "-"], input=sigv4_python_block(), env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '201 {"order_id": "o-1"}'
    [(method, path, headers, body)] = _Recorder.received
    assert (method, path) == ("POST", "/orders")
    assert json.loads(body) == {"order_id": "o-1", "items": [{"sku": "A-1", "quantity": 2}]}
    authorization = headers["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") and (
        f"/{REGION}/execute-api/aws4_request" in authorization
    )
    assert headers["X-Amz-Security-Token"] == CREDENTIALS.token
    signature = re.search(r"Signature=([0-9a-f]{64})", authorization).group(1)  # type: ignore[union-attr]
    assert signature == expected_signature(method, f"{api}{path}", headers, body)
    # The check can fail: the same headers over another body do not verify.
    assert signature != expected_signature(method, f"{api}{path}", headers, body + b" ")
