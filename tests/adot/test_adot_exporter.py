"""The otel backend's wire format against AWS's own: aws-opentelemetry-distro 0.21.0's ``OTLPUdpSpanExporter`` (the
code ADOT's Lambda layer runs) and its OTLP/protobuf packages, run in .venv-adot (conftest).

- AWS's exporter -> the local receiver (local/otlp_receiver.py): each span decodes with the trace, parent, kind and
  sampled flag AWS's side sent.
- The otel backend -> ADOT's format: each datagram the orders function sends (run as Lambda runs it, against the moto
  server) parses as ADOT's header, prefix and base64 OTLP, and ADOT's UdpExporter re-sends it byte for byte; ADOT's
  protobuf classes and the local receiver read the same spans from it.
"""

from __future__ import annotations

import base64
import json
import socket
import uuid
from collections.abc import Iterator

import pytest
from lambda_kit.local.emulator import MotoServer
from lambda_kit.local.lambda_process import LambdaProcess
from lambda_kit.local.otlp_receiver import OtlpUdpReceiver

from tests.adot.conftest import run_adot
from tests.orders_local import clients, load_event, orders_function, provision

ROOT_ID = "1-5759e988-bd862e3fe1be46a994272793"  # AWS's documentation example (X-Ray Developer Guide)
PARENT = "53995c3f42cd8ad8"


def test_datagrams_from_aws_exporter_decode_in_the_local_receiver():
    with OtlpUdpReceiver() as receiver:
        sent = run_adot(
            "export",
            receiver.address,
            env={
                "AWS_LAMBDA_FUNCTION_NAME": "orders-adot",
                "_X_AMZN_TRACE_ID": f"Root={ROOT_ID};Parent={PARENT};Sampled=1",
            },
        )
        decoded = receiver.documents(settle=0.3)
    assert not receiver.bad_datagrams
    fields = ("name", "trace_id", "id", "parent_id", "kind", "sampled")
    assert sorted(({k: s[k] for k in fields} for s in decoded), key=lambda s: (s["sampled"], s["name"])) == sorted(
        sent, key=lambda s: (s["sampled"], s["name"])
    )
    assert {s["kind"] for s in decoded} == {"SERVER", "INTERNAL", "CLIENT"}
    assert {s["sampled"] for s in decoded} == {True, False}  # T1S and T1U
    assert {s["trace_id"] for s in decoded} == {ROOT_ID}
    servers = [s for s in decoded if s["kind"] == "SERVER"]
    assert {s["parent_id"] for s in servers} == {PARENT}  # the function segment of _X_AMZN_TRACE_ID
    assert {s["resource"]["service.name"] for s in decoded} == {"orders-adot"}


class RawDatagrams:
    """A stand-in daemon that keeps each datagram's bytes as they came."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.5)
        host, port = self.socket.getsockname()
        self.address = f"{host}:{port}"

    def drain(self) -> list[bytes]:
        datagrams = []
        while True:
            try:
                datagrams.append(self.socket.recv(65535))
            except TimeoutError:
                return datagrams

    def __enter__(self) -> RawDatagrams:
        return self

    def __exit__(self, *exc: object) -> None:
        self.socket.close()


@pytest.fixture(scope="module")
def function_datagrams() -> Iterator[list[bytes]]:
    """What the orders function sends with TRACING=otel for a new order, a bad request and a read."""
    suffix = uuid.uuid4().hex[:10]
    table, bucket = f"orders-{suffix}", f"config-{suffix}"
    with RawDatagrams() as daemon, MotoServer() as moto:
        provision(moto.endpoint_url, table_name=table, bucket=bucket, aws_clients=clients(moto.endpoint_url))
        config = orders_function(TABLE_NAME=table, CONFIG_BUCKET=bucket, TRACING="otel")
        with LambdaProcess(config, moto.endpoint_url, daemon.address) as function:
            for event in ("post_order.json", "bad_request.json", "get_order.json"):
                assert function.invoke(load_event(event)).error is None
        yield daemon.drain()


def test_the_backends_datagrams_parse_as_adots_format_and_re_serialize_to_the_same_bytes(function_datagrams):
    assert len(function_datagrams) == 3  # one per invocation
    with RawDatagrams() as resent:
        parsed = run_adot(
            "reserialize", resent.address, stdin=json.dumps([base64.b64encode(d).decode() for d in function_datagrams])
        )
        assert resent.drain() == function_datagrams  # ADOT's UdpExporter wrote the very same bytes
    receiver = OtlpUdpReceiver()
    try:
        ours = [receiver.decode(d) for d in function_datagrams]
    finally:
        receiver.stop()
    fields = ("name", "trace_id", "id", "parent_id", "kind")
    assert parsed == [[{k: span[k] for k in fields} for span in datagram] for datagram in ours]
    assert all(sum(span["kind"] == "SERVER" for span in datagram) == 1 for datagram in parsed)  # one invocation each
