"""The ``xray-sdk`` tracing backend: the AWS X-Ray SDK for Python (imported only when selected).

In Lambda the SDK streams each closed subsegment as a UDP datagram to Lambda's X-Ray daemon
(``AWS_XRAY_DAEMON_ADDRESS``), as a child of the function segment Lambda opened for the invocation
(``_X_AMZN_TRACE_ID``). Outside Lambda, importing ``aws_xray_sdk.core`` builds two X-Ray botocore clients
for centralized sampling (120-180 ms): ``common.tracing`` never imports this module there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_xray_sdk.core import patch, xray_recorder
from aws_xray_sdk.core.lambda_launcher import LambdaContext

from common.tracing import Span


class _XRaySpan(Span):
    def __init__(self, subsegment: Any) -> None:
        self._subsegment = subsegment

    def annotate(self, key: str, value: str | int | float | bool) -> None:
        self._subsegment.put_annotation(key, value)

    def metadata(self, key: str, value: Any) -> None:
        self._subsegment.put_metadata(key, value)


class _HeaderCachingLambdaContext(LambdaContext):  # type: ignore[misc]
    """The SDK's Lambda context re-reads and re-parses ``_X_AMZN_TRACE_ID`` on every call, six times per
    subsegment (about a third of a warm request's tracing cost, ``make bench``). The header changes only
    between invocations: while it is the one this thread's segment was built from, nothing can change."""

    def _refresh_context(self) -> None:
        header = os.environ.get("_X_AMZN_TRACE_ID")
        local = self._local
        if header is not None and getattr(local, "segment", None) and getattr(local, "header", None) == header:
            return
        super()._refresh_context()
        local.header = header


class XRayBackend:
    def __init__(self) -> None:
        xray_recorder.configure(context=_HeaderCachingLambdaContext())
        # botocore only. The seed's patch_all() imports and patches every library the SDK supports that is
        # installed (requests, httplib, sqlite3, database drivers, ...): cold-start time for code this
        # function never calls.
        patch(("botocore",))

    @contextmanager
    def subsegment(self, name: str, client_errors: tuple[type[BaseException], ...]) -> Iterator[Span]:
        client_error: BaseException | None = None
        with xray_recorder.in_subsegment(name) as sdk_subsegment:
            try:
                yield _XRaySpan(sdk_subsegment) if sdk_subsegment is not None else Span()
            except client_errors as exc:
                # Caught inside, re-raised outside: the SDK would otherwise mark any exception a fault.
                if sdk_subsegment is not None:
                    sdk_subsegment.add_error_flag()
                client_error = exc
        if client_error is not None:
            raise client_error
