"""``lambda-kit serve`` started as a user starts it (a process, real HTTP on 127.0.0.1), for the tests that talk to
it with real clients: urllib, raw sockets, boto3."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "shop" / "cdk.out"


class Served:
    def __init__(self, assembly: Path = FIXTURE, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lambda_kit", "serve", "--assembly", str(assembly), "--port", "0", *options],
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
        self.port = int(self.url.rsplit(":", 1)[1])
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout or ()), daemon=True)
        self._reader.start()

    def startup(self, prefix: str) -> str:
        """The text after ``prefix`` on the startup line that begins with it."""
        return next(line[len(prefix) :].strip() for line in self.lines if line.startswith(prefix))

    def request(
        self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else None
        sent = {"content-type": "application/json", **(headers or {})} if data is not None else dict(headers or {})
        request = urllib.request.Request(self.url + path, data=data, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def connect(self, timeout: float = 10) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)  # Ctrl-C, as a user stops it
        self.process.wait(timeout=30)
        self._reader.join(timeout=5)
        return "".join(self.lines)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response read off a raw socket (Content-Length framed, as the front frames every answer)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(body) < int(headers.get("content-length", 0)):
        body += sock.recv(65536)
    return int(lines[0].split()[1]), headers, body
