"""HTTP API events as they arrive from other callers: a direct invoke or a hand-written test event may leave out
``isBase64Encoded`` (API Gateway always sets it); the body is then text, never base64."""

from __future__ import annotations

import base64
import json

import pytest

from common.http import RequestError, json_body

DOCUMENT = {"order_id": "o-1", "items": [{"sku": "a", "quantity": 1}]}


def test_a_body_without_the_flag_is_read_as_plain_json() -> None:
    assert json_body({"routeKey": "POST /orders", "body": json.dumps(DOCUMENT)}) == DOCUMENT


def test_a_base64_body_without_the_flag_is_not_decoded() -> None:
    encoded = base64.b64encode(json.dumps(DOCUMENT).encode()).decode()
    with pytest.raises(RequestError) as error:
        json_body({"routeKey": "POST /orders", "body": encoded})
    assert (error.value.status_code, error.value.message) == (400, "body: not valid JSON")
