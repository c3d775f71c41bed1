"""The otel backend's invocation span and resource, as ADOT's Lambda layer makes them, decoded from the datagram the
backend sends (a stand-in daemon, conftest): ``tracing.handler`` makes each invocation a server span, child of the
function segment Lambda opened, and the spans of one invocation leave together."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from awslambdaric.lambda_context import LambdaContext
from opentelemetry.semconv._incubating.attributes import (
    aws_attributes,
    cloud_attributes,
    faas_attributes,
)
from opentelemetry.semconv.attributes import service_attributes

from common import tracing
from tests.orders_local import EVENTS, load_event
from tests.unit.runtime.tracing.conftest import (
    FUNCTION_ARN,
    LAMBDA_RESOURCE,
    OTHER_PARENT,
    OTHER_ROOT,
    PARENT,
    ROOT,
    lambda_context,
    received,
    unsent_s3_client,
)

REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e812345678"


@pytest.fixture
def daemon(in_lambda_otel):
    assert tracing.init() is True
    return in_lambda_otel


def handler(event: Any, context: Any) -> dict[str, Any]:
    """A handler as orders/handler.py's: steps through the facade, an AWS call inside one."""
    with tracing.subsegment("validate_input") as span:
        span.annotate("order_id", "order-0001")
    with tracing.subsegment("save_to_dynamodb"), pytest.raises(ConnectionAbortedError):
        unsent_s3_client().list_buckets()
    return {"statusCode": 201}


def test_an_invocation_is_a_server_span_under_the_function_segment_with_its_faas_attributes(daemon):
    assert tracing.handler(handler)(load_event("post_order.json"), lambda_context(REQUEST_ID)) == {"statusCode": 201}
    spans = {span["name"]: span for span in daemon.receive(1)}  # one datagram for the whole invocation
    invocation = spans[f"{handler.__module__}.handler"]  # as ADOT's layer names it: the handler's path
    assert (invocation["kind"], invocation["trace_id"], invocation["parent_id"]) == (
        "SERVER",
        ROOT,
        PARENT,  # the function segment Lambda opened: the span is its counterpart
    )
    assert invocation["attributes"] == {
        "faas.trigger": "http",
        "faas.invocation_id": REQUEST_ID,
        "faas.coldstart": True,
        "cloud.resource_id": FUNCTION_ARN,
        "cloud.account.id": "123456789012",
    }
    assert invocation["resource"] == LAMBDA_RESOURCE
    assert (invocation["status"], invocation["sampled"]) == ("UNSET", True)
    validate, save, call = spans["validate_input"], spans["save_to_dynamodb"], spans["S3.ListBuckets"]
    assert validate["parent_id"] == save["parent_id"] == invocation["id"]
    assert call["parent_id"] == save["id"]
    assert len(spans) == 4


def test_the_names_are_opentelemetrys_semantic_conventions():
    assert set(LAMBDA_RESOURCE) == {
        service_attributes.SERVICE_NAME,
        cloud_attributes.CLOUD_PROVIDER,
        cloud_attributes.CLOUD_PLATFORM,
        cloud_attributes.CLOUD_REGION,
        faas_attributes.FAAS_NAME,
        faas_attributes.FAAS_VERSION,
        faas_attributes.FAAS_INSTANCE,
        faas_attributes.FAAS_MAX_MEMORY,
        aws_attributes.AWS_LOG_GROUP_NAMES,
    }
    assert (LAMBDA_RESOURCE["cloud.provider"], LAMBDA_RESOURCE["cloud.platform"]) == (
        cloud_attributes.CloudProviderValues.AWS.value,
        cloud_attributes.CloudPlatformValues.AWS_LAMBDA.value,
    )
    assert {
        faas_attributes.FAAS_TRIGGER,
        faas_attributes.FAAS_INVOCATION_ID,
        faas_attributes.FAAS_COLDSTART,
        cloud_attributes.CLOUD_RESOURCE_ID,
        cloud_attributes.CLOUD_ACCOUNT_ID,
    } == {"faas.trigger", "faas.invocation_id", "faas.coldstart", "cloud.resource_id", "cloud.account.id"}


def invocations(daemon, headers: list[str], monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    traced = tracing.handler(handler)
    for header in headers:
        monkeypatch.setenv("_X_AMZN_TRACE_ID", header)
        traced(load_event("post_order.json"), lambda_context())
    return [s for s in received(daemon) if s["kind"] == "SERVER"]


SECOND = f"Root={OTHER_ROOT};Parent={OTHER_PARENT};Sampled=1"
FIRST = f"Root={ROOT};Parent={PARENT};Sampled=1"


def test_without_an_initialization_type_the_first_invocation_is_a_cold_start(in_lambda_otel, monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE")  # not on Lambda: on-demand, as common.logging reads it
    assert tracing.init() is True
    first, second = invocations(in_lambda_otel, [FIRST, SECOND], monkeypatch)
    assert (first["attributes"]["faas.coldstart"], second["attributes"]["faas.coldstart"]) == (True, False)


UNQUALIFIED_ARN = "arn:aws:lambda:ap-northeast-1:123456789012:function:orders-api"  # invoked without alias/version


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (
            LambdaContext(REQUEST_ID, None, None, 0, invoked_function_arn=UNQUALIFIED_ARN),
            {
                "faas.invocation_id": REQUEST_ID,
                "cloud.resource_id": UNQUALIFIED_ARN,
                "cloud.account.id": "123456789012",
            },
        ),
        (None, {}),  # a harness that passes no context: what the event says, nothing more
    ],
    ids=["unqualified-arn", "no-context"],
)
def test_what_the_context_object_gives_the_invocation_span(daemon, context, expected):
    tracing.handler(lambda event, context: None)({}, context)
    [invocation] = daemon.receive(1)
    assert invocation["attributes"] == {"faas.trigger": "other", "faas.coldstart": True, **expected}


def test_only_the_first_invocation_of_an_on_demand_environment_is_a_cold_start(daemon, monkeypatch):
    first, second = invocations(daemon, [FIRST, SECOND], monkeypatch)
    assert (first["attributes"]["faas.coldstart"], second["attributes"]["faas.coldstart"]) == (True, False)
    assert (second["trace_id"], second["parent_id"]) == (OTHER_ROOT, OTHER_PARENT)


@pytest.mark.parametrize("initialization_type", ["provisioned-concurrency", "snap-start"])
def test_an_environment_initialized_before_any_request_has_no_cold_start(
    in_lambda_otel, monkeypatch, initialization_type
):
    # Lambda's AWS_LAMBDA_INITIALIZATION_TYPE: init did not run on a request's path, as common.logging reads it.
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", initialization_type)
    assert tracing.init() is True
    [first] = invocations(in_lambda_otel, [FIRST], monkeypatch)
    assert first["attributes"]["faas.coldstart"] is False


def other_source(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / "other_sources" / name).read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("event", "trigger"),
    [
        (load_event("post_order.json"), "http"),
        (other_source("apigw_rest_v1.json"), "http"),
        (other_source("alb.json"), "http"),
        (other_source("function_url.json"), "http"),
        (other_source("sqs.json"), "pubsub"),
        (other_source("sns.json"), "pubsub"),
        (other_source("s3_put.json"), "datasource"),
        (other_source("eventbridge.json"), "other"),  # an EC2 state change
        # Hand-adapted: the same EventBridge event as a schedule delivers it (detail-type "Scheduled Event").
        ({**other_source("eventbridge.json"), "detail-type": "Scheduled Event"}, "timer"),
        (other_source("direct_invoke_empty.json"), "other"),
        ("not a mapping", "other"),
        ({"Records": []}, "other"),  # hand-written: shapes no AWS source sends
        ({"Records": ["not a record"]}, "other"),
    ],
    ids=[
        "http-api",
        "rest-api",
        "alb",
        "function-url",
        "sqs",
        "sns",
        "s3",
        "eventbridge",
        "schedule",
        "empty",
        "str",
        "no-records",
        "odd-record",
    ],
)
def test_faas_trigger_follows_the_event_source(daemon, event, trigger):
    tracing.handler(lambda event, context: None)(event, lambda_context())
    [invocation] = daemon.receive(1)
    assert invocation["attributes"]["faas.trigger"] == trigger


def test_an_unhandled_error_marks_the_invocation_and_is_re_raised_unchanged(daemon):
    error = RuntimeError("bug")

    def failing(event: Any, context: Any) -> None:
        with tracing.subsegment("process_order"):
            raise error

    with pytest.raises(RuntimeError) as raised:
        tracing.handler(failing)(load_event("post_order.json"), lambda_context())
    assert raised.value is error
    step, invocation = daemon.receive(1)
    assert (invocation["status"], invocation["events"]) == ("ERROR", ["exception"])  # X-Ray: a fault
    assert step["parent_id"] == invocation["id"]


@pytest.mark.parametrize("header", [None, f"Root={ROOT};Parent={PARENT};Sampled=0"], ids=["no-header", "unsampled"])
def test_no_invocation_span_without_a_sampled_trace(daemon, monkeypatch, header):
    if header is None:
        monkeypatch.delenv("_X_AMZN_TRACE_ID")
    else:
        monkeypatch.setenv("_X_AMZN_TRACE_ID", header)
    assert tracing.handler(handler)(load_event("post_order.json"), lambda_context()) == {"statusCode": 201}
    assert received(daemon) == []


def test_spans_of_one_invocation_over_a_datagram_are_split_not_trimmed(daemon):
    def busy(event: Any, context: Any) -> None:
        for n in range(12):  # about 8 KB of metadata each: ~100 KB together, each span well within the limit
            with tracing.subsegment(f"step_{n}") as span:
                span.metadata("lines", [f"order-line-{i:06d}" for i in range(370)])

    tracing.handler(busy)(load_event("post_order.json"), lambda_context())
    datagrams = []
    while True:
        try:
            datagrams.append(daemon.receive(1, timeout=0.2))
        except TimeoutError:
            break
    assert len(datagrams) > 1  # each within 65,507 bytes (the stand-in daemon reads at most 65,535)
    spans = [span for datagram in datagrams for span in datagram]
    assert [s["name"] for s in spans] == [f"step_{n}" for n in range(12)] + [f"{busy.__module__}.{busy.__qualname__}"]
    assert not any("trimmed" in json.loads(s["attributes"].get("aws.xray.metadata.default", "{}")) for s in spans)


def test_a_span_ending_after_its_invocation_is_sent_on_its_own(daemon):
    started, finish = threading.Event(), threading.Event()

    def late() -> None:
        with tracing.subsegment("late"):
            started.set()
            finish.wait(5)

    def leaves_a_thread(event: Any, context: Any) -> None:
        threading.Thread(target=late).start()
        started.wait(5)

    tracing.handler(leaves_a_thread)(load_event("post_order.json"), lambda_context())
    [invocation] = daemon.receive(1)  # sent when the handler returned
    finish.set()
    [late_span] = daemon.receive(1)
    assert (late_span["name"], late_span["parent_id"]) == ("late", invocation["id"])


def test_under_the_xray_sdk_the_handler_is_unchanged(in_lambda):
    # Lambda itself writes the function segment; the SDK joins it from _X_AMZN_TRACE_ID.
    assert tracing.init() is True
    assert tracing.handler(handler) is handler


def test_untraced_the_handler_is_unchanged(in_lambda, monkeypatch):
    monkeypatch.setenv("TRACING", "off")
    assert tracing.init() is False
    assert tracing.handler(handler) is handler


def test_a_decorated_handler_called_from_another_sends_once_when_the_outer_one_returns(daemon):
    inner = tracing.handler(handler)

    def outer(event: Any, context: Any) -> None:
        with tracing.subsegment("before"):
            pass
        inner(event, context)
        with tracing.subsegment("after"):
            pass

    tracing.handler(outer)(load_event("post_order.json"), lambda_context())
    names = [span["name"] for span in daemon.receive(1)]  # one datagram: nothing sent before the outer one ended
    assert {"before", "after", "validate_input", "save_to_dynamodb", "S3.ListBuckets"} <= set(names)
    assert len(names) == 7  # and both invocation spans
    assert received(daemon) == []
