"""The API under test: by default ``make serve``'s front, started here as ``make serve`` starts it (``lambda-kit
serve`` on the session's synthesized dev stage: the function's code and layer assets as `cdk synth` packaged them,
real processes running the runtime client), once on demand and once switched to managed instances (the session's
``lmi`` synth: one environment of many workers answering the suite); with ``CONTRACT_BASE_URL`` set
(``make e2e STAGE=...``), the deployed API, requests signed with SigV4 when ``CONTRACT_SIGN_REGION`` is set.

Every test writes only orders with ids of its own and reads nothing else; at the end the suite deletes the
orders it created: from the local emulator, or from the stage's table (the ``TABLE_NAME`` of the function
``CONTRACT_FUNCTION_NAME`` names) when the caller may delete (otherwise they stay, and the stage's order retention
applies).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from lambda_kit.local.emulator import admin_client
from lambda_kit.tools.api_client import ApiClient, Response, sigv4_signer
from lambda_kit.tools.e2e import ENV_BASE_URL, ENV_FUNCTION, ENV_REGION, ENV_SIGN_REGION

from stacks.naming import ALIAS_NAME
from tests.conftest import MANAGED_INSTANCES
from tests.orders_local import REGION

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60


@dataclass
class Api:
    client: ApiClient
    created: list[str] = field(default_factory=list)

    def request(
        self, method: str, path: str, body: bytes | str | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        response = self.client.request(method, path, body, headers)
        if response.status == 201:
            self.created.append(response.json()["order_id"])
        return response

    def post(self, document: Any) -> Response:
        return self.request("POST", "/orders", json.dumps(document), {"content-type": "application/json"})


def new_id(label: str) -> str:
    """An order id no other test (nor run) uses."""
    return f"ct-{label}-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class Invoker:
    """Where Lambda's Invoke API is (serve's port, or AWS's own endpoint: None), the function's name there and its
    log format (what ``LogType=Tail`` returns: Text, or JSON as every managed-instances function logs); the suite
    invokes the alias the API invokes (on managed instances, an unqualified name runs no version of ours)."""

    endpoint_url: str | None
    function: str | None
    log_format: str = "Text"
    qualifier: str = ALIAS_NAME


def deployed() -> tuple[str, Any, Invoker]:
    """(the deployed API's URL, a DynamoDB client and its function's table for cleanup or None, its function)."""
    function = os.environ.get(ENV_FUNCTION)
    if not function:
        return os.environ[ENV_BASE_URL], None, Invoker(None, None)
    import boto3

    session = boto3.Session(region_name=os.environ.get(ENV_REGION))
    configuration = session.client("lambda").get_function_configuration(FunctionName=function)
    table = configuration.get("Environment", {}).get("Variables", {}).get("TABLE_NAME")
    cleanup = (session.client("dynamodb"), table) if table else None
    log_format = configuration.get("LoggingConfig", {}).get("LogFormat", "Text")
    return os.environ[ENV_BASE_URL], cleanup, Invoker(None, function, log_format)


# A deployed stage is one front; locally the dev stage runs on demand and on managed instances.
FRONTS = ["deployed"] if os.environ.get(ENV_BASE_URL) else ["on-demand", MANAGED_INSTANCES]


@pytest.fixture(scope="session", params=FRONTS)
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any, Invoker]]:
    """(base URL, a DynamoDB client and table for cleanup or None, where to invoke the function directly)."""
    if request.param == "deployed":
        yield deployed()
        return
    # The session's synths: the dev stage's assets are bundled in both.
    synth = request.getfixturevalue("lmi" if request.param == MANAGED_INSTANCES else "synth")
    process = subprocess.Popen(
        [sys.executable, "-m", "lambda_kit", "serve", "--assembly", str(synth.outdir), "--stage", "dev"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    base_url = moto = table = function = None
    while base_url is None:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("make serve's front exited:\n" + "".join(lines))
        lines.append(line)
        if found := re.search(r"moto server: (http://\S+)", line):
            moto = found.group(1)
        if found := re.search(r"created AWS::DynamoDB::Table \S+: (\S+)", line):
            table = found.group(1)
        if found := re.search(r"^function (\S+) \(Orders/\w*Function\)", line):  # ManagedFunction on LMI
            function = found.group(1)
        if found := re.search(r"listening on (http://\S+)", line):
            base_url = found.group(1)
    assert moto is not None and table is not None and function is not None, lines
    # Keep reading its access lines: a full pipe would block the front.
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
    reader.start()
    try:
        log_format = "JSON" if request.param == MANAGED_INSTANCES else "Text"
        invoker = Invoker(base_url, function, log_format)
        yield base_url, (admin_client(moto, "dynamodb", region=REGION), table), invoker
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C, as a user stops `make serve`
        process.wait(timeout=30)
        reader.join(timeout=5)
        assert process.returncode == 0 and "stopped:" in lines[-1], "".join(lines[-20:])


@pytest.fixture(scope="session")
def api(served) -> Iterator[Api]:
    base_url, cleanup, _ = served
    region = os.environ.get(ENV_SIGN_REGION)
    signer = None
    if region:
        import boto3

        signer = sigv4_signer(boto3.Session(region_name=region).get_credentials(), region)
    api = Api(ApiClient(base_url, signer))
    yield api
    if cleanup is not None:
        dynamodb, table = cleanup
        for order_id in api.created:
            try:
                dynamodb.delete_item(TableName=table, Key={"order_id": {"S": order_id}})
            except Exception as exc:  # deployed: the caller may not be allowed to delete; the orders then stay
                print(f"could not delete order {order_id}: {exc}")
                break
