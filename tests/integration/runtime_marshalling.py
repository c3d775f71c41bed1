"""An in-process invocation through awslambdaric's own marshalling, for tests that need to inject clocks or
endpoints into the app (function processes run the whole client: ``local.lambda_process``).

The event arrives as Lambda delivers it (JSON bytes) and is decoded by the runtime's ``LambdaMarshaller``;
the context is the runtime's ``LambdaContext``; the response is encoded by the same marshaller as on
``AWS_EXECUTION_ENV=AWS_Lambda_python3.14`` (``ensure_ascii=False``) and then to UTF-8, as
``LambdaRuntimeClient.post_invocation_result`` does before posting it. A response the runtime could not
send raises here, where the runtime process would have died.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from awslambdaric.lambda_context import LambdaContext
from awslambdaric.lambda_runtime_marshaller import LambdaMarshaller

from tests.orders_local import orders_function

EXECUTION_ENV = "AWS_Lambda_python3.14"
FUNCTION_ARN = orders_function().arn


_building = threading.Lock()
_per_thread = threading.local()  # one per thread, as each runtime has its own (its encoder is not thread-safe)


def _marshaller() -> LambdaMarshaller:
    """The encoder reads ``AWS_EXECUTION_ENV`` when it is built: build it as the 3.14 runtime does."""
    marshaller: LambdaMarshaller | None = getattr(_per_thread, "marshaller", None)
    if marshaller is None:
        with _building:
            previous = os.environ.get("AWS_EXECUTION_ENV")
            os.environ["AWS_EXECUTION_ENV"] = EXECUTION_ENV
            try:
                marshaller = _per_thread.marshaller = LambdaMarshaller()
            finally:
                if previous is None:
                    del os.environ["AWS_EXECUTION_ENV"]
                else:
                    os.environ["AWS_EXECUTION_ENV"] = previous
    return marshaller


def invoke_through_runtime_marshalling(handler: Callable[[Any, Any], Any], event: Any) -> Any:
    """``handler(event, context)`` as the runtime calls it; returns the response as the client receives it."""
    marshaller = _marshaller()
    # What Lambda's service hands the runtime: valid JSON (Invoke refuses NaN/Infinity), escapes kept.
    payload = json.dumps(event, allow_nan=False).encode()
    decoded = marshaller.unmarshal_request(payload)
    context = LambdaContext(str(uuid.uuid4()), None, None, int(time.time() * 1000) + 10_000, FUNCTION_ARN)
    body, content_type = marshaller.marshal_response(handler(decoded, context))
    sent = body if isinstance(body, bytes) else body.encode("utf-8")  # post_invocation_result's encoding
    assert content_type == "application/json"
    return json.loads(sent)
