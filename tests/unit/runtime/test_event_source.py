"""Only HTTP API payload 2.0 events are served; any other source's event is named and refused.

The events are real ones from AWS's own libraries (events/other_sources/SOURCES.md)."""

import json
import re
from pathlib import Path

import pytest

from common.event_source import UnsupportedEvent, apparent_source, is_http_api_event, require_http_api_event

EVENTS = Path(__file__).resolve().parents[3] / "events"


def load(name):
    return json.loads((EVENTS / name).read_text())


@pytest.mark.parametrize(
    "name, source",
    [
        ("other_sources/direct_invoke_empty.json", "a direct invoke ({})"),
        ("other_sources/s3_put.json", "S3"),
        ("other_sources/sqs.json", "SQS"),
        ("other_sources/sns.json", "SNS"),
        ("other_sources/eventbridge.json", "EventBridge"),
        ("other_sources/apigw_rest_v1.json", "API Gateway with payload format 1.0"),
        ("other_sources/alb.json", "Application Load Balancer"),
    ],
)
def test_other_sources_are_refused_by_name(name, source):
    event = load(name)
    assert not is_http_api_event(event)
    assert apparent_source(event).startswith(source)
    with pytest.raises(UnsupportedEvent, match=re.escape(f"got an event from {source}")):
        require_http_api_event(event)


@pytest.mark.parametrize("name", ["post_order.json", "get_order.json", "other_sources/function_url.json"])
def test_http_api_shaped_events_are_served(name):
    event = load(name)
    assert require_http_api_event(event) is event


@pytest.mark.parametrize(
    "event, source",
    [
        (None, "a direct invoke with a JSON null"),
        ([1], "a direct invoke with a JSON array"),
        ("POST /orders", "a direct invoke with a JSON string"),
        (4.2, "a direct invoke with a JSON number"),
        ({"Records": [{"eventSource": "aws:somewhere-new"}]}, "a batch of Records from an unknown source"),
        ({"routeKey": "POST /orders", "body": "{}"}, "an unknown source (a direct invoke?)"),
        ({"version": "2.0", "routeKey": 7}, "an unknown source (a direct invoke?)"),
    ],
)
def test_the_label_is_fixed_text_never_the_events_content(event, source):
    assert apparent_source(event) == source
