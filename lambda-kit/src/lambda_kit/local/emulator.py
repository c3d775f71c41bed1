"""A local AWS emulator (moto server over real HTTP) with the service's table, bucket and config.json."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.session import Session

from lambda_kit.local.processes import terminate

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = REPO_ROOT / "config" / "config.json"
REGION = "ap-northeast-1"
TABLE_NAME = "orders"
CONFIG_BUCKET = "orders-config-local"
CONFIG_KEY = "config.json"  # the key the data stack deploys config/config.json to


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def fake_credentials_env() -> dict[str, str]:
    """What any process needs to talk to the emulator; the keys are fake and never leave this machine."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        # botocore reads AWS_DEFAULT_REGION, Lambda code often AWS_REGION: set both as Lambda does.
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
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


def admin_client(endpoint_url: str, service: str, session: Session | None = None) -> Any:
    """A client on the emulator with its fake credentials, for setting up and inspecting it."""
    creds = fake_credentials_env()
    return (session or Session()).create_client(
        service,
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=creds["AWS_SESSION_TOKEN"],
        config=Config(retries={"mode": "standard"}),
    )


def clients(endpoint_url: str) -> tuple[Any, Any]:
    """(s3, dynamodb) admin clients sharing one session."""
    session = Session()
    return admin_client(endpoint_url, "s3", session), admin_client(endpoint_url, "dynamodb", session)


def create_receipt_secret(endpoint_url: str, name: str = "orders-receipt-key-local") -> str:
    """What the data stack's receipt-signing secret is; returns its ARN (the function's RECEIPT_SECRET_ARN)."""
    secrets = admin_client(endpoint_url, "secretsmanager")
    return str(secrets.create_secret(Name=name, SecretString=uuid.uuid4().hex)["ARN"])


def provision(
    endpoint_url: str,
    table_name: str = TABLE_NAME,
    bucket: str = CONFIG_BUCKET,
    config_body: bytes | None = None,
    aws_clients: tuple[Any, Any] | None = None,
) -> None:
    """Create what the data stack creates: the orders table (key ``order_id``), the bucket, config.json."""
    s3, dynamodb = aws_clients or clients(endpoint_url)
    dynamodb.create_table(
        TableName=table_name,
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    body = CONFIG_FILE.read_bytes() if config_body is None else config_body
    s3.put_object(Bucket=bucket, Key=CONFIG_KEY, Body=body, ContentType="application/json")


def provision_service(endpoint_url: str) -> dict[str, str]:
    """Everything the data stack creates (table, bucket with config.json, receipt-signing secret); returns the
    function's own environment variables, as the service stack sets them."""
    provision(endpoint_url)
    secret_arn = create_receipt_secret(endpoint_url)
    return {"TABLE_NAME": TABLE_NAME, "CONFIG_BUCKET": CONFIG_BUCKET, "RECEIPT_SECRET_ARN": secret_arn}
