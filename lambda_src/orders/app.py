"""Request dispatch and the error contract: what each failure becomes in the response and the log.

- An event that is not an HTTP API payload 2.0 event -> ``UnsupportedEvent`` raised: the invocation
  fails (the source retries or dead-letters) and the runtime logs it once, naming the apparent source.
- ``RequestError`` (the client's mistake) -> its 4xx status and message naming the field.
- A dependency failing (config or secret unreadable or invalid, DynamoDB throttled after retries, AWS
  unreachable) -> 503, a generic message; details (bucket, ARNs, stack) only in the log.
- Anything else is a bug -> 500, a generic message; details only in the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from common.config_cache import ConfigUnavailable, TtlCache, s3_json_object_loader
from common.event_source import require_http_api_event
from common.http import RequestError, route_key
from common.logging import start_invocation
from common.responses import error_response
from common.secrets import SecretUnavailable, secret_string_loader
from common.utils import utc_now
from orders.limits import OrderLimits
from orders.receipts import ReceiptSigner
from orders.repository import OrderRepository
from orders.routes import ROUTES, Dependencies
from orders.settings import Settings

# Codes with which AWS rejects the request's shape: our code built it, so that is a bug (500).
_REQUEST_SHAPE_ERRORS = frozenset({"ValidationException", "SerializationException"})


def is_dependency_failure(exc: BaseException) -> bool:
    if isinstance(exc, (ConfigUnavailable, SecretUnavailable)):
        return True
    if isinstance(exc, ParamValidationError):  # botocore refused our parameters before sending
        return False
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") not in _REQUEST_SHAPE_ERRORS
    return isinstance(exc, BotoCoreError)  # connection errors, timeouts, missing credentials


class OrdersApp:
    def __init__(
        self, deps: Dependencies, logger: logging.Logger, perf_counter: Callable[[], float] = time.perf_counter
    ) -> None:
        self._deps = deps
        self._log = logger
        self._perf_counter = perf_counter  # the log's duration_ms: injectable, so a test can state it exactly

    def handle(self, event: Any, context: Any) -> dict[str, Any]:
        start_invocation(context)
        started = self._perf_counter()
        request = require_http_api_event(event)
        route = route_key(request)
        try:
            response = self._dispatch(request, route)
        except RequestError as exc:
            response = error_response(exc.status_code, exc.message)
        except Exception as exc:  # never raises for an HTTP API event: API Gateway would answer a 500
            if is_dependency_failure(exc):
                self._log.error("dependency failure", exc_info=True, extra={"route": route})
                response = error_response(503, "service temporarily unavailable, please retry")
            else:
                self._log.error("unhandled error", exc_info=True, extra={"route": route})
                response = error_response(500, "internal error")
        status = response["statusCode"]
        fields: dict[str, Any] = {
            "route": route,
            "status_code": status,
            "duration_ms": round((self._perf_counter() - started) * 1000, 3),
        }
        if 400 <= status < 500:
            fields["client_error"] = response["body"]
        self._log.info("request handled", extra=fields)
        return response

    def _dispatch(self, event: dict[str, Any], route: str | None) -> dict[str, Any]:
        handler = ROUTES.get(route) if route is not None else None
        if handler is None:
            raise RequestError(404, "route: no such route")
        return handler(event, self._deps)


def build_app(
    settings: Settings,
    s3: Any,
    dynamodb: Any,
    logger: logging.Logger,
    clock: Callable[[], datetime] = utc_now,
    secrets_client: Any | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    perf_counter: Callable[[], float] = time.perf_counter,
) -> OrdersApp:
    """Wire the app from settings and clients (the handler's init, and the integration tests)."""
    load_document = s3_json_object_loader(s3, settings.config_bucket, settings.config_key)
    source = f"s3://{settings.config_bucket}/{settings.config_key}"
    ttl = settings.config_ttl_seconds
    limits = TtlCache(lambda: OrderLimits.from_document(load_document(), source), ttl, monotonic)
    repository = OrderRepository(dynamodb, settings.table_name, settings.order_retention_days, settings.smoke_id_prefix)
    receipts = None
    if settings.receipt_secret_arn and secrets_client is not None:
        key = TtlCache(secret_string_loader(secrets_client, settings.receipt_secret_arn), ttl, monotonic)
        receipts = ReceiptSigner(key)
    deps = Dependencies(limits=limits, repository=repository, clock=clock, receipts=receipts)
    return OrdersApp(deps, logger, perf_counter)
