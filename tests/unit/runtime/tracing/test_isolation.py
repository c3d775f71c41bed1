"""The in-process tracing tests leak nothing: after both backends have started (and patched botocore), the
fixtures' restore leaves the process as it found it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import botocore.client
import botocore.endpoint
from aws_xray_sdk.core import patcher, xray_recorder
from opentelemetry import context
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
from opentelemetry.instrumentation.threading import ThreadingInstrumentor

from common import tracing
from tests.unit.runtime.tracing.conftest import lambda_environment, restored_process_state


def process_state() -> dict[str, object]:
    return {
        "_make_api_call": vars(botocore.client.BaseClient)["_make_api_call"],
        "prepare_request": vars(botocore.endpoint.Endpoint)["prepare_request"],
        "xray_enabled": hasattr(botocore.client, "_xray_enabled"),
        "patched": set(patcher._PATCHED_MODULES),
        "recorder": dict(vars(xray_recorder)),
        "otel_instrumented": BotocoreInstrumentor().is_instrumented_by_opentelemetry,
        "threading_instrumented": ThreadingInstrumentor().is_instrumented_by_opentelemetry,
        "thread_start": vars(threading.Thread)["start"],
        "submit": vars(ThreadPoolExecutor)["submit"],
        "context": context.get_current(),
        "backend": tracing._backend,
    }


def test_both_backends_started_and_botocore_is_unpatched_after(monkeypatch, xray_daemon):
    before = process_state()
    assert type(before["_make_api_call"]).__name__ == "function"  # not wrapped: nothing leaked from earlier
    with monkeypatch.context() as scoped:
        lambda_environment(scoped, xray_daemon)
        for backend in ("xray-sdk", "otel"):
            with restored_process_state():
                scoped.setenv("TRACING", backend)
                assert tracing.init() is True
                started = process_state()
                assert type(started["_make_api_call"]).__name__ == "FunctionWrapper"
                assert started != before
            scoped.setattr(tracing, "_backend", None)
    assert process_state() == before
