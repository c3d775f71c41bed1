"""Telling an API Gateway HTTP API event (payload format 2.0) from everything else a function can be sent.

A function wired to an HTTP API must not answer another source's event with a normal response: Lambda
counts any returned value as success, so a mis-wired SQS trigger would delete its messages and an S3 or
EventBridge event would be dropped. It raises ``UnsupportedEvent`` instead: the invocation fails, the source
retries or dead-letters, and the runtime logs the error once, naming the event's apparent source.

The source is told from the event's shape with fixed labels: nothing from the event itself is repeated.
"""

from __future__ import annotations

from typing import Any, TypeGuard

_RECORD_SOURCES = {
    "aws:s3": "S3",
    "aws:sqs": "SQS",
    "aws:sns": "SNS",
    "aws:dynamodb": "DynamoDB Streams",
    "aws:kinesis": "Kinesis",
    "aws:ses": "SES",
}
_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


class UnsupportedEvent(Exception):
    """The event is not an HTTP API payload 2.0 event: fail the invocation, never answer it."""


def is_http_api_event(event: Any) -> TypeGuard[dict[str, Any]]:
    """An HTTP API payload format 2.0 event (also what a Lambda function URL sends)."""
    return isinstance(event, dict) and event.get("version") == "2.0" and isinstance(event.get("routeKey"), str)


def apparent_source(event: Any) -> str:
    if not isinstance(event, dict):
        return f"a direct invoke with a JSON {_JSON_TYPES.get(type(event), 'value')}"
    if not event:
        return "a direct invoke ({})"
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        tag = records[0].get("eventSource", records[0].get("EventSource"))  # SNS capitalizes it
        return _RECORD_SOURCES.get(str(tag), "a batch of Records from an unknown source")
    if "detail-type" in event and "source" in event:
        return "EventBridge"
    context = event.get("requestContext")
    if isinstance(context, dict) and "elb" in context:
        return "Application Load Balancer"
    if "httpMethod" in event:
        return "API Gateway with payload format 1.0 (a REST API, or an HTTP API integration set to 1.0)"
    return "an unknown source (a direct invoke?)"


def require_http_api_event(event: Any) -> dict[str, Any]:
    """``event`` if it is an HTTP API payload 2.0 event; raises ``UnsupportedEvent`` naming the source otherwise."""
    if is_http_api_event(event):
        return event
    raise UnsupportedEvent(
        "this function serves API Gateway HTTP API events (payload format 2.0) only; got an event from "
        f"{apparent_source(event)}. Connect that source to a function written for it."
    )
