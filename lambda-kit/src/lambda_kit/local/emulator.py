"""A local AWS emulator: moto server over real HTTP on 127.0.0.1, and clients for it with fake credentials."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from typing import Any

from botocore.config import Config
from botocore.session import Session

from lambda_kit.local.processes import terminate

# The account the local resources live in (any 12 digits: moto and the ARNs agree on it) and the region used when
# a stack is environment-agnostic.
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def fake_credentials_env(region: str = REGION) -> dict[str, str]:
    """What any process needs to talk to the emulator; the keys are fake and never leave this machine."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        # botocore reads AWS_DEFAULT_REGION, Lambda code often AWS_REGION: set both as Lambda does.
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }


class MotoServer:
    """``python -m moto.server`` pinned to 127.0.0.1 on a free port; a context manager."""

    def __init__(self, host: str = "127.0.0.1", startup_timeout: float = 30.0) -> None:
        self.host = host
        self.port = 0
        self._timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> MotoServer:
        self.port = free_port(self.host)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", self.host, "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto server exited with code {self._process.returncode}")
            if self._answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"moto server did not answer on {self.endpoint_url} within {self._timeout} s")

    def _answers(self) -> bool:
        try:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=1)
            conn.request("GET", "/moto-api/data.json")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def reset(self) -> None:
        """Forget every resource (between test modules)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=5)
        conn.request("POST", "/moto-api/reset")
        conn.getresponse().read()
        conn.close()

    def stop(self) -> None:
        if self._process is None:
            return
        terminate(self._process)
        self._process = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def admin_client(endpoint_url: str, service: str, session: Session | None = None, region: str = REGION) -> Any:
    """A client on the emulator with its fake credentials, for setting up and inspecting it."""
    creds = fake_credentials_env(region)
    return (session or Session()).create_client(
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=creds["AWS_SESSION_TOKEN"],
        config=Config(retries={"mode": "standard"}),
    )
