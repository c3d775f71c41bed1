"""Spans from worker threads join the invocation that started the work, in both backends, as the X-Ray SDK's users
rely on: one ThreadPoolExecutor reused across two invocations (each with its own trace header, as Lambda sets one per
invocation), and boto3's S3 transfer (s3transfer's own thread pool) against the moto server."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from lambda_kit.local.emulator import MotoServer, admin_client

from common import tracing
from tests.orders_local import load_event
from tests.unit.runtime.tracing.conftest import (
    OTHER_PARENT,
    OTHER_ROOT,
    PARENT,
    ROOT,
    TRACE,
    lambda_context,
    received,
    unsent_s3_client,
)

SECOND_TRACE = f"Root={OTHER_ROOT};Parent={OTHER_PARENT};Sampled=1"
INVOCATIONS = ((TRACE, ROOT, PARENT), (SECOND_TRACE, OTHER_ROOT, OTHER_PARENT))


def invoke(handler: Callable[..., Any], header: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", header)  # what Lambda does before each invocation
    return handler(load_event("post_order.json"), lambda_context())


def by_name(spans: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    named: dict[str, list[dict[str, Any]]] = {}
    for span in spans:
        named.setdefault(span["name"], []).append(span)
    return named


def joins(span: dict[str, Any], root: str, parent: str, spans: list[dict[str, Any]]) -> bool:
    """``span`` is in trace ``root`` and descends from the function segment ``parent`` through spans received."""
    ids = {s["id"]: s for s in spans}
    node = span
    while node["trace_id"] == root and node["parent_id"] in ids:
        node = ids[node["parent_id"]]
    return node["trace_id"] == root and node["parent_id"] == parent


@pytest.mark.parametrize("decorated", [True, False], ids=["tracing.handler", "bare handler"])
def test_a_thread_pool_reused_across_invocations_traces_each_under_its_own(backend_daemon, monkeypatch, decorated):
    pool = ThreadPoolExecutor(max_workers=2)  # built once, at init, and reused: the case that goes wrong
    s3 = unsent_s3_client()

    def in_worker() -> None:
        with tracing.subsegment("in_worker"), pytest.raises(ConnectionAbortedError):
            s3.list_buckets()

    def handler(event: Any, context: Any) -> None:
        pool.submit(in_worker).result()

    traced = tracing.handler(handler) if decorated else handler
    try:
        for header, _, _ in INVOCATIONS:
            invoke(traced, header, monkeypatch)
    finally:
        pool.shutdown()
    spans = received(backend_daemon)
    named = by_name(spans)
    assert len(named["in_worker"]) == 2, sorted(named)
    for (_, root, parent), step in zip(INVOCATIONS, named["in_worker"], strict=True):
        assert joins(step, root, parent, spans), step
    calls = named.get("s3", []) + named.get("S3.ListBuckets", [])  # the X-Ray SDK's name, OpenTelemetry's
    assert len(calls) == 2  # the S3 call of each invocation
    for call, step in zip(calls, named["in_worker"], strict=True):
        assert (call["trace_id"], call["parent_id"]) == (step["trace_id"], step["id"])


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


def test_boto3_s3_transfer_threads_join_each_invocation(backend_daemon, monkeypatch, moto):
    # s3transfer runs its requests in a thread pool of its own (TransferManager), one per upload_fileobj call.
    bucket = f"transfers-{uuid.uuid4().hex[:12]}"
    admin_client(moto.endpoint_url, "s3", region="ap-northeast-1").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"}
    )
    s3 = boto3.session.Session(region_name="ap-northeast-1").client(
        "s3", endpoint_url=moto.endpoint_url, aws_access_key_id="testing", aws_secret_access_key="testing"
    )

    def handler(event: Any, context: Any) -> None:
        with tracing.subsegment("upload"):
            s3.upload_fileobj(io.BytesIO(b"receipt"), bucket, context.aws_request_id)

    traced = tracing.handler(handler)
    for header, _, _ in INVOCATIONS:
        invoke(traced, header, monkeypatch)
    spans = received(backend_daemon)
    # The X-Ray SDK's document names the operation under aws, OpenTelemetry's span in rpc.method.
    puts = [
        s
        for s in spans
        if "PutObject" in (s.get("aws", {}).get("operation"), s.get("attributes", {}).get("rpc.method"))
    ]
    assert len(puts) == 2, sorted(s["name"] for s in spans)
    for (_, root, parent), put in zip(INVOCATIONS, puts, strict=True):
        assert joins(put, root, parent, spans), put
