"""In-process tracing tests: a Lambda environment, a stand-in X-Ray daemon, and every piece of process-wide state
a backend changes, restored after each test.

Both backends patch botocore for the whole process and keep global state (the X-Ray SDK's recorder and patched
set, OpenTelemetry's instrumentors, threading's included, and current context): ``restored_process_state`` puts all of it back, so a test
here leaks nothing into the next (``test_isolation.py`` proves it). The subprocess tests in
``tests/unit/runtime/test_tracing.py`` prove what in-process tests cannot: which packages a backend imports.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from lambda_kit.local.otlp_receiver import OtlpUdpReceiver
from lambda_kit.local.xray_listener import XRayListener

from common import tracing
from common.tracing_limits import ANNOTATIONS

# The trace header of AWS's documentation example (X-Ray Developer Guide, "Tracing header").
ROOT = "1-5759e988-bd862e3fe1be46a994272793"
PARENT = "53995c3f42cd8ad8"
TRACE = f"Root={ROOT};Parent={PARENT};Sampled=1"
# Hand-written: the header of a next invocation, in the same format.
OTHER_ROOT, OTHER_PARENT = "1-67891233-abcdef012345678912345678", "1111111111111111"
FUNCTION_NAME = "orders-api"
# What Lambda sets in every function's environment (Lambda Developer Guide, "Defined runtime environment variables"),
# for a function of this name; the values are hand-written in Lambda's formats.
LAMBDA_VARIABLES = {
    "LAMBDA_TASK_ROOT": "/var/task",
    "AWS_REGION": "ap-northeast-1",
    "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
    "AWS_LAMBDA_FUNCTION_VERSION": "7",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
    "AWS_LAMBDA_LOG_STREAM_NAME": "2026/02/25/[7]0123456789abcdef0123456789abcdef",
    "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
}
# The resource the otel backend sends for that function, as ADOT's Lambda layer names one: each attribute from the
# variable Lambda sets, under its OpenTelemetry semantic-convention name (checked against opentelemetry-semantic-
# conventions' constants in test_otel_invocation.py).
LAMBDA_RESOURCE: dict[str, Any] = {
    "service.name": FUNCTION_NAME,
    "cloud.provider": "aws",
    "cloud.platform": "aws_lambda",
    "cloud.region": "ap-northeast-1",
    "faas.name": FUNCTION_NAME,
    "faas.version": "7",
    "faas.instance": "2026/02/25/[7]0123456789abcdef0123456789abcdef",
    "faas.max_memory": 512,
    "aws.log.group.names": [f"/aws/lambda/{FUNCTION_NAME}"],
}
_MISSING = object()


@contextmanager
def restored_process_state() -> Iterator[None]:
    """Puts back on exit what either backend changes process-wide. On entry, as in a fresh Lambda process (set the
    environment first): the X-Ray SDK's recorder as importing it in Lambda sets it up (Lambda context, local
    sampler, emitter at ``AWS_XRAY_DAEMON_ADDRESS``), and nothing patched by the SDK yet."""
    import botocore.client
    import botocore.endpoint
    from aws_xray_sdk.core import patcher, xray_recorder
    from opentelemetry import context
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.threading import ThreadingInstrumentor

    methods = [
        (cls, name, vars(cls)[name])
        for cls, name in (
            (botocore.client.BaseClient, "_make_api_call"),
            (botocore.endpoint.Endpoint, "prepare_request"),
        )
    ]
    xray_flag = vars(botocore.client).get("_xray_enabled", _MISSING)  # the SDK's "botocore is patched" mark
    patched = set(patcher._PATCHED_MODULES)
    recorder = dict(vars(xray_recorder))
    token = context.attach(context.get_current())
    type(xray_recorder).__init__(xray_recorder)
    patcher._PATCHED_MODULES.clear()
    vars(botocore.client).pop("_xray_enabled", None)
    try:
        yield
    finally:
        BotocoreInstrumentor().uninstrument()  # no-op unless instrumented; clears its "instrumented" flag
        ThreadingInstrumentor().uninstrument()  # puts back Thread.start/run, Timer's, ThreadPoolExecutor.submit
        context.detach(token)  # also drops what the otel backend attached after it
        for cls, name, method in methods:
            setattr(cls, name, method)
        if xray_flag is _MISSING:
            vars(botocore.client).pop("_xray_enabled", None)
        else:
            botocore.client._xray_enabled = xray_flag
        patcher._PATCHED_MODULES.clear()
        patcher._PATCHED_MODULES.update(patched)
        vars(xray_recorder).clear()
        vars(xray_recorder).update(recorder)


def lambda_environment(monkeypatch: pytest.MonkeyPatch, daemon: XRayListener) -> None:
    """What Lambda sets in a traced function's environment, the daemon being ``daemon``; no tracing settings."""
    for name in (tracing.BACKEND_ENV, "AWS_XRAY_SDK_ENABLED", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    for name, value in LAMBDA_VARIABLES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", daemon.address)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE)
    monkeypatch.setattr(tracing, "_backend", None)  # a fresh process: init() not called yet
    monkeypatch.setattr(ANNOTATIONS, "_counts", {})  # and no annotation counted in any trace yet


@pytest.fixture
def xray_daemon() -> Iterator[XRayListener]:
    """The daemon for the X-Ray SDK's documents; read with ``receive`` (no background thread)."""
    daemon = XRayListener()
    yield daemon
    daemon.stop()


@pytest.fixture
def otlp_daemon() -> Iterator[OtlpUdpReceiver]:
    """The daemon for the otel backend's OTLP datagrams, one dict per span; read with ``receive``."""
    daemon = OtlpUdpReceiver()
    yield daemon
    daemon.stop()


@pytest.fixture
def in_lambda(monkeypatch: pytest.MonkeyPatch, xray_daemon: XRayListener) -> Iterator[XRayListener]:
    """A Lambda environment (no tracing settings: the default backend) whose daemon is ``xray_daemon``."""
    lambda_environment(monkeypatch, xray_daemon)
    with restored_process_state():
        yield xray_daemon


@pytest.fixture
def in_lambda_otel(monkeypatch: pytest.MonkeyPatch, otlp_daemon: OtlpUdpReceiver) -> Iterator[OtlpUdpReceiver]:
    """A Lambda environment with ``TRACING=otel`` whose daemon is ``otlp_daemon``."""
    lambda_environment(monkeypatch, otlp_daemon)
    monkeypatch.setenv(tracing.BACKEND_ENV, "otel")
    with restored_process_state():
        yield otlp_daemon


def received(daemon: XRayListener, quiet_seconds: float = 0.05) -> list[dict[str, Any]]:
    """Every document (span) sent so far: datagrams are read until none comes for ``quiet_seconds`` (loopback UDP
    is delivered during sendto, and the backends send before the traced code returns)."""
    documents: list[dict[str, Any]] = []
    while True:
        try:
            documents.extend(daemon.receive(1, timeout=quiet_seconds))
        except TimeoutError:
            return documents


FUNCTION_ARN = f"arn:aws:lambda:ap-northeast-1:123456789012:function:{FUNCTION_NAME}:live"  # invoked through an alias


def lambda_context(request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678") -> Any:
    """The context object AWS's runtime interface client passes to the handler (awslambdaric's own class)."""
    from awslambdaric.lambda_context import LambdaContext

    return LambdaContext(request_id, None, None, 0, invoked_function_arn=FUNCTION_ARN)


@pytest.fixture(params=["xray-sdk", "otel"])
def backend_daemon(request: pytest.FixtureRequest) -> XRayListener:
    """Each backend in turn, started as the handler module starts it; its stand-in daemon. The helpers below read a
    received span the same way from either (an X-Ray SDK document, a decoded OTLP span)."""
    daemon: XRayListener = request.getfixturevalue("in_lambda" if request.param == "xray-sdk" else "in_lambda_otel")
    assert tracing.init() is True
    return daemon


def annotations_of(span: dict[str, Any]) -> dict[str, Any]:
    if "attributes" in span:  # OpenTelemetry: the attributes listed in aws.xray.annotations
        return {key: span["attributes"][key] for key in span["attributes"].get("aws.xray.annotations", [])}
    return dict(span.get("annotations", {}))


def metadata_of(span: dict[str, Any]) -> dict[str, Any]:
    """The default metadata namespace."""
    if "attributes" in span:
        return dict(json.loads(span["attributes"].get("aws.xray.metadata.default", "{}")))
    return dict(span.get("metadata", {}).get("default", {}))


def unsent_s3_client() -> Any:
    """A real botocore S3 client whose requests are built, signed and traced, then refused before sending."""
    import botocore.session

    client = botocore.session.get_session().create_client(
        "s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )

    def refuse(**_: Any) -> None:
        raise ConnectionAbortedError("not sent")

    client.meta.events.register("before-send", refuse)
    return client


class OrderNotFound(Exception):
    """A client error as the handler's are: an exception with the HTTP status it answers with."""

    status_code = 404


def raise_in_step(error: Exception, client_errors: tuple[type[BaseException], ...] = (OrderNotFound,)) -> None:
    """Raises ``error`` inside a subsegment and checks that the very same exception comes out of it."""
    with pytest.raises(type(error)) as raised, tracing.subsegment("get_order", client_errors=client_errors):
        raise error
    assert raised.value is error


def block_import(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """As if the stage's dependencies layer were not attached: importing any of ``modules`` fails."""
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)
