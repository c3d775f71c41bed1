"""A moto server for the whole session, over real HTTP; fresh table and bucket names per test (or per module,
for a module's warm execution environment).

Every response of the in-process app goes through awslambdaric's own marshalling (``tests.integration.
runtime_marshalling``); function processes run awslambdaric itself (the kit's ``lambda_process``).

**AWS calls.** The session sets ``LOCAL_AWS_CALL_LOG``, so every function process started during the session
records each AWS API call it makes once it is answered (service, operation, resource-naming parameters:
``TableName``, ``Bucket``, ``Key``, ``SecretId``; the process that made it, the invocation's trace id, the error code
AWS answered with); the in-process apps' botocore session records through the same hooks.
Read them through the ``aws_calls`` fixture::

    def test_reads_config_once(aws_calls, warm_function):
        mark = aws_calls.mark()
        warm_function.invoke(post(order("x")))
        assert [c["operation"] for c in aws_calls.since(mark)] == ["GetObject", "PutItem"]
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.session import Session
from lambda_kit.local.emulator import MotoServer, fake_credentials_env
from lambda_kit.local.lambda_process import Invocation, LambdaProcess
from lambda_kit.local.local_app import LocalApp
from lambda_kit.local.runtime_dir.aws_call_recorder import HOOKS as AWS_CALL_HOOKS
from lambda_kit.local.sandbox import CALL_LOG_ENV

from common.logging import setup_logger
from orders.app import OrdersApp, build_app
from orders.clients import CLIENT_CONFIG
from orders.settings import Settings
from tests.integration.runtime_marshalling import invoke_through_runtime_marshalling
from tests.orders_local import REGION, clients, provision


@pytest.fixture(scope="session")
def moto_server():
    with MotoServer() as server:
        yield server


class AwsCallLog:
    """The AWS API calls function code made during the session, in order (one JSON object each)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def calls(self) -> list[dict[str, Any]]:
        return self.since(0)

    def mark(self) -> int:
        """A position in the log (its size): ``since(mark)`` gives the calls made after it."""
        return self.path.stat().st_size if self.path.exists() else 0

    def since(self, mark: int) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as log:
            log.seek(mark)
            return [json.loads(line) for line in log.read().splitlines()]


@pytest.fixture(scope="session", autouse=True)
def aws_calls(tmp_path_factory) -> Iterator[AwsCallLog]:
    path = tmp_path_factory.mktemp("aws-calls") / "calls.jsonl"
    previous = os.environ.get(CALL_LOG_ENV)
    os.environ[CALL_LOG_ENV] = str(path)  # read by the kit's lambda_process for every function it starts
    yield AwsCallLog(path)
    if previous is None:
        del os.environ[CALL_LOG_ENV]
    else:
        os.environ[CALL_LOG_ENV] = previous


@pytest.fixture(scope="session")
def aws(moto_server):
    """Admin (s3, dynamodb) clients on the emulator."""
    return clients(moto_server.endpoint_url)


@dataclass
class EmulatedResources:
    """One test's table and bucket on the moto server, and helpers to look at them."""

    endpoint: str
    table: str
    bucket: str
    s3: Any
    dynamodb: Any

    def put_config(self, document: Any) -> None:
        body = document if isinstance(document, (bytes, str)) else json.dumps(document)
        self.s3.put_object(Bucket=self.bucket, Key="config.json", Body=body)

    def delete_config(self) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key="config.json")

    def items(self) -> list[dict[str, Any]]:
        return self.dynamodb.scan(TableName=self.table, ConsistentRead=True)["Items"]


def new_resources(moto_server, aws) -> EmulatedResources:
    suffix = uuid.uuid4().hex[:12]
    table, bucket = f"orders-{suffix}", f"config-{suffix}"
    provision(moto_server.endpoint_url, table_name=table, bucket=bucket, aws_clients=aws)
    return EmulatedResources(moto_server.endpoint_url, table, bucket, *aws)


@pytest.fixture
def stack(moto_server, aws) -> EmulatedResources:
    return new_resources(moto_server, aws)


@pytest.fixture(scope="module")
def module_stack(moto_server, aws) -> EmulatedResources:
    """One table and bucket for a module's warm execution environment."""
    return new_resources(moto_server, aws)


class App:
    """The function's app wired as handler.py wires it, on clients pointed at the emulator. Each event and
    response goes through awslambdaric's marshalling, as in the runtime."""

    def __init__(self, app: OrdersApp, log: io.StringIO) -> None:
        self._app, self._log = app, log

    def __call__(self, event: Any) -> dict[str, Any]:
        return invoke_through_runtime_marshalling(self._app.handle, event)

    def log_lines(self, start: int = 0) -> list[str]:
        """The log lines from the ``start``-th on; each is checked to encode, as Lambda's stdout needs."""
        lines = self._log.getvalue().splitlines()[start:]
        for line in lines:
            line.encode("utf-8")
        return lines

    def log_count(self) -> int:
        return self._log.getvalue().count("\n")

    def logs(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_lines()]


@pytest.fixture(scope="session")
def botocore_session(aws_calls) -> Session:
    """One session for all the apps' clients: it caches the service models (~100 ms per new session)."""
    session = Session()
    for event, hook in AWS_CALL_HOOKS:  # what the runtime hook registers
        session.register(event, hook)
    return session


@pytest.fixture
def make_app(stack, botocore_session) -> Callable[..., App]:
    def make(
        ttl: float = 300.0,
        dynamodb_endpoint: str | None = None,
        config: Config = CLIENT_CONFIG,
        receipt_secret_arn: str | None = None,
        **build_options: Any,
    ) -> App:
        creds = fake_credentials_env(REGION)
        session = botocore_session
        kwargs = dict(
            region_name=REGION,
            aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=creds["AWS_SESSION_TOKEN"],
            config=config,
        )
        s3 = session.create_client("s3", endpoint_url=stack.endpoint, **kwargs)
        dynamodb = session.create_client("dynamodb", endpoint_url=dynamodb_endpoint or stack.endpoint, **kwargs)
        log = io.StringIO()
        logger = setup_logger(f"orders-test-{uuid.uuid4().hex[:8]}", level=logging.INFO, stream=log)
        settings = Settings(
            table_name=stack.table,
            config_bucket=stack.bucket,
            config_ttl_seconds=ttl,
            receipt_secret_arn=receipt_secret_arn,
        )
        if receipt_secret_arn:
            build_options["secrets_client"] = session.create_client(
                "secretsmanager", endpoint_url=stack.endpoint, **kwargs
            )
        return App(build_app(settings, s3, dynamodb, logger, **build_options), log)

    return make


@pytest.fixture
def app(make_app) -> App:
    return make_app()


class FakeMonotonic:
    """A monotonic clock the test moves: TTL expiry without sleeping, immune to a slow machine."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture(scope="session")
def runtime_interface_for() -> Callable[[str], Path]:
    """The runtime interface client built for another interpreter (its ``runtime_client`` is a C extension):
    the same pins as this venv's, installed once per Python version into a cache directory."""

    def build(python: str) -> Path:
        version = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        pins = [f"{dist}=={metadata.version(dist)}" for dist in ("awslambdaric", "simplejson", "snapshot-restore-py")]
        key = hashlib.sha256(" ".join([version, *pins]).encode()).hexdigest()[:12]
        target = Path(tempfile.gettempdir()) / f"lambda-deep-dive-ric-{os.getuid()}-py{version}-{key}"
        if not (target / "awslambdaric").is_dir():
            staging = Path(tempfile.mkdtemp(prefix=target.name, dir=target.parent))
            pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
            install = subprocess.run(
                [*pip, "--only-binary=:all:", "--python-version", version, "--target", str(staging), *pins],
                capture_output=True,
                text=True,
            )
            if install.returncode:
                pytest.skip(
                    f"cannot install the runtime interface client for Python {version}: {install.stderr[-300:]}"
                )
            with contextlib.suppress(OSError):  # another session got there first
                staging.rename(target)
        return target

    return build


@dataclass
class ManagedEnvironment:
    """One environment of the managed-instances stage's orders function, as the kit runs it from the session's ``lmi``
    synth (its code and layer assets; ``lmi_max_concurrency`` workers), on the resources its templates name."""

    process: LambdaProcess
    local: LocalApp
    table: str
    secret_arn: str
    calls_from: int  # the AWS call log's mark when it started: its workers' every call is after it

    def at_once(self, events: list[Any]) -> list[Invocation]:
        """Every event sent at once, each from a thread of its own, as many requests reach one environment."""
        with ThreadPoolExecutor(len(events)) as requests:
            return list(requests.map(self.process.invoke, events))

    def calls(self, aws_calls: AwsCallLog, since: int | None = None) -> list[dict[str, Any]]:
        """The AWS calls this environment's workers made (since ``since``, else since it started)."""
        workers = set(self.process.worker_pids())
        return [c for c in aws_calls.since(self.calls_from if since is None else since) if c["pid"] in workers]


@pytest.fixture(scope="session")
def managed(lmi, moto_server, aws_calls) -> Iterator[ManagedEnvironment]:
    stack = lmi.config("dev").stack_name("service")
    with LocalApp(lmi.outdir, [stack], moto=moto_server) as local:
        function = local.model.find(None)  # the one function behind the API
        environment = local.config(function).environment
        mark = aws_calls.mark()
        with local.environment(function) as process:
            yield ManagedEnvironment(process, local, environment["TABLE_NAME"], environment["RECEIPT_SECRET_ARN"], mark)
