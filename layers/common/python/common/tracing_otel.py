"""The ``otel`` tracing backend: OpenTelemetry, exported to AWS X-Ray (imported only when selected).

Same trace as the X-Ray SDK gives (proved by tests/integration/test_same_trace.py), read in the X-Ray console as
one from AWS's ADOT Lambda layer:

- Resource: the attributes ADOT's Lambda layer sets, from Lambda's own environment variables: ``service.name`` and
  ``faas.name`` (the function), ``cloud.provider/platform/region``, ``faas.version/instance/max_memory`` and
  ``aws.log.group.names``, which links the trace to its log group.
- Invocation: ``common.tracing.handler`` makes each invocation a server span (``faas.trigger``,
  ``faas.invocation_id``, ``faas.coldstart``, ``cloud.resource_id``, ``cloud.account.id``), child of the function
  segment Lambda opened (``_X_AMZN_TRACE_ID``, converted to a W3C trace context by the AWS X-Ray propagator): the
  counterpart of that segment, under which the function's spans nest. An unsampled header records nothing.
- Threads: OpenTelemetry's threading instrumentation hands the current context to every thread started and every
  task submitted to a ``ThreadPoolExecutor`` (s3transfer's too), so their spans join the invocation that started
  them. Spans started outside any other span still become children of the current function segment, as with the
  X-Ray SDK, whose Lambda context gives every thread that segment.
- AWS calls: the OpenTelemetry botocore instrumentation makes each a child span. Their ``X-Amzn-Trace-Id`` header:
  in Lambda, botocore writes it first from ``_X_AMZN_TRACE_ID`` (its recursion detection) and the instrumentation
  keeps it, so a downstream service sees the function segment as the parent, where the X-Ray SDK puts the call's.
- Export: ``common.tracing_otel_export``, OTLP over UDP to Lambda's X-Ray daemon, once per invocation, encoded by
  ``common.tracing_otlp`` (no protobuf at run time).
- Annotations and metadata, per AWS's documented convention for OpenTelemetry spans in X-Ray
  (X-Ray Developer Guide, "Migrating from X-Ray instrumentation to OpenTelemetry", *Working with span
  attributes*): "By default, OpenTelemetry span attributes are converted to metadata in X-Ray raw data.
  To convert specific attributes to annotations instead, add their keys to the ``aws.xray.annotations``
  attributes list." So ``annotate()`` sets the attribute and lists its key there (indexed, searchable);
  ``metadata()`` writes ``aws.xray.metadata.default``, a JSON object that X-Ray's translation unpacks
  into the ``default`` metadata namespace, as the SDK's ``put_metadata`` would (unindexed).
- Errors: X-Ray's translation marks a span with an error status a *fault* unless it carries a 4xx
  ``http.response.status_code``, then an *error*. A client error gets its 4xx; anything else stays a fault.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from opentelemetry import context, trace
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
from opentelemetry.instrumentation.threading import ThreadingInstrumentor
from opentelemetry.propagators.aws import AwsXRayLambdaPropagator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import SpanKind, Status, StatusCode

from common.tracing import RecordingSpan, Span
from common.tracing_otel_export import DEFAULT_METADATA, InvocationSpanProcessor, XRayDaemonUdpExporter

ANNOTATION_KEYS = "aws.xray.annotations"
HTTP_STATUS = "http.response.status_code"
_PROPAGATOR = AwsXRayLambdaPropagator()
Handler = TypeVar("Handler", bound=Callable[..., Any])
# faas.trigger (OpenTelemetry semantic conventions, FaaS spans) by the event's shape: an API Gateway, function URL or
# ALB request has a requestContext; a record's eventSource names the queue, topic or data source.
_TRIGGER_BY_EVENT_SOURCE: dict[str | None, str] = {
    "aws:sqs": "pubsub",
    "aws:sns": "pubsub",
    "aws:s3": "datasource",
    "aws:dynamodb": "datasource",
    "aws:kinesis": "datasource",
}


def faas_trigger(event: Any) -> str:
    if not isinstance(event, dict):
        return "other"
    if "requestContext" in event:
        return "http"
    if event.get("detail-type") == "Scheduled Event":  # EventBridge schedule
        return "timer"
    records = event.get("Records")
    first = records[0] if isinstance(records, list) and records and isinstance(records[0], dict) else {}
    return _TRIGGER_BY_EVENT_SOURCE.get(first.get("eventSource") or first.get("EventSource"), "other")


# Resource attributes (OpenTelemetry semantic conventions) from the variables Lambda defines, as ADOT's Lambda layer
# sets them (its otel-instrument wrapper, with faas.max_memory as opentelemetry-sdk-extension-aws's
# AwsLambdaResourceDetector adds it). Not that detector itself: its package imports the EC2, ECS, EKS and Beanstalk
# detectors too, 2.5 ms of every cold start here (make bench ARGS=--importtime), for seven lookups.
_RESOURCE_FROM_ENVIRONMENT = {
    "service.name": "AWS_LAMBDA_FUNCTION_NAME",
    "cloud.region": "AWS_REGION",
    "faas.name": "AWS_LAMBDA_FUNCTION_NAME",
    "faas.version": "AWS_LAMBDA_FUNCTION_VERSION",
    "faas.instance": "AWS_LAMBDA_LOG_STREAM_NAME",
    "faas.max_memory": "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "aws.log.group.names": "AWS_LAMBDA_LOG_GROUP_NAME",  # links the trace to its logs in CloudWatch
}


def lambda_resource() -> Resource:
    """The process as ADOT's Lambda layer names it; a variable Lambda did not set leaves its attribute out."""
    attributes: dict[str, Any] = {
        "service.name": "unknown_service",  # OpenTelemetry's default, outside Lambda
        "cloud.provider": "aws",
        "cloud.platform": "aws_lambda",
    }
    for attribute, variable in _RESOURCE_FROM_ENVIRONMENT.items():
        if value := os.environ.get(variable):
            attributes[attribute] = value
    if "faas.max_memory" in attributes:
        attributes["faas.max_memory"] = int(attributes["faas.max_memory"])  # an int in the conventions
    if "aws.log.group.names" in attributes:
        attributes["aws.log.group.names"] = [attributes["aws.log.group.names"]]  # a string[] in the conventions
    # Given, not Resource.create(): that would run every configured detector (entry points) on each cold start.
    return Resource(attributes)


class _LambdaInvocation(trace.NonRecordingSpan):
    """Stands for the function segment of the current invocation: the parent of spans started outside any
    other span. Lambda replaces ``_X_AMZN_TRACE_ID`` before each invocation, so it is read on each access."""

    def __init__(self) -> None:
        super().__init__(trace.INVALID_SPAN_CONTEXT)

    def get_span_context(self) -> trace.SpanContext:
        # An empty context, not the current one: the current one holds this very span.
        extracted = _PROPAGATOR.extract({}, context=context.Context())
        return trace.get_current_span(extracted).get_span_context()


class _OtelSpan(RecordingSpan):
    def __init__(self, span: trace.Span) -> None:
        super().__init__()
        self._span = span
        self._metadata: dict[str, Any] = {}

    def _put_annotation(self, key: str, value: str | int | float | bool) -> None:
        self._span.set_attribute(key, value)
        self._span.set_attribute(ANNOTATION_KEYS, self._annotation_keys)

    def metadata(self, key: str, value: Any) -> None:
        self._metadata[key] = value
        self._span.set_attribute(DEFAULT_METADATA, json.dumps(self._metadata, default=str))


class OtelBackend:
    def __init__(self) -> None:
        # ParentBased(ALWAYS_OFF): follow Lambda's sampling decision, never start a trace of our own.
        provider = TracerProvider(sampler=ParentBased(ALWAYS_OFF), resource=lambda_resource(), shutdown_on_exit=False)
        self._spans = InvocationSpanProcessor(XRayDaemonUdpExporter())
        provider.add_span_processor(self._spans)
        # skip_dep_check: the runtime's botocore is what it is; the check would scan package metadata at init.
        BotocoreInstrumentor().instrument(  # type: ignore[no-untyped-call]
            tracer_provider=provider, skip_dep_check=True
        )
        ThreadingInstrumentor().instrument()  # it instruments the standard library: no dependency to check
        self._tracer = provider.get_tracer(__name__)
        # Lambda's AWS_LAMBDA_INITIALIZATION_TYPE, as common.logging reads it: only an on-demand environment's first
        # invocation waited for init.
        self._cold_start = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand") == "on-demand"
        context.attach(trace.set_span_in_context(_LambdaInvocation()))

    def handler(self, function: Handler) -> Handler:
        name = f"{function.__module__}.{function.__qualname__}"  # as ADOT's layer names it: the handler's path

        @functools.wraps(function)
        def traced(event: Any, lambda_context: Any) -> Any:
            cold_start, self._cold_start = self._cold_start, False
            if not os.environ.get("_X_AMZN_TRACE_ID"):  # no trace to join (a local run that set none)
                return function(event, lambda_context)
            self._spans.hold()
            try:
                with self._tracer.start_as_current_span(
                    name,
                    context=_PROPAGATOR.extract({}, context=context.Context()),
                    kind=SpanKind.SERVER,
                    attributes=self._invocation_attributes(event, lambda_context, cold_start),
                ):
                    return function(event, lambda_context)
            finally:
                self._spans.release()

        return traced  # type: ignore[return-value]

    @staticmethod
    def _invocation_attributes(event: Any, lambda_context: Any, cold_start: bool) -> dict[str, Any]:
        """From Lambda's context object; a harness that passes none (a test calling the handler) gets the rest."""
        attributes: dict[str, Any] = {"faas.trigger": faas_trigger(event), "faas.coldstart": cold_start}
        if request_id := getattr(lambda_context, "aws_request_id", None):
            attributes["faas.invocation_id"] = request_id
        arn = getattr(lambda_context, "invoked_function_arn", None)
        if isinstance(arn, str) and arn.count(":") >= 6:  # arn:aws:lambda:<region>:<account>:function:<name>[:<q>]
            attributes["cloud.resource_id"] = arn
            attributes["cloud.account.id"] = arn.split(":")[4]
        return attributes

    @contextmanager
    def subsegment(self, name: str, client_errors: tuple[type[BaseException], ...]) -> Iterator[Span]:
        with self._tracer.start_as_current_span(
            name, kind=SpanKind.INTERNAL, record_exception=False, set_status_on_exception=False
        ) as span:
            try:
                yield _OtelSpan(span)
            except Exception as exc:
                span.record_exception(exc)
                if isinstance(exc, client_errors):
                    status = getattr(exc, "status_code", 400)
                    span.set_attribute(HTTP_STATUS, status if isinstance(status, int) and 400 <= status < 500 else 400)
                span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
                raise
