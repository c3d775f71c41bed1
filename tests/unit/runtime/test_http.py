import base64
import json

import pytest

from common.http import MAX_BODY_BYTES, RequestError, json_body, path_parameter, route_key


def event(body, encoded=False):
    return {"routeKey": "POST /orders", "body": body, "isBase64Encoded": encoded}


def error_of(evt):
    with pytest.raises(RequestError) as info:
        json_body(evt)
    return info.value.status_code, info.value.message


def test_plain_and_base64_bodies_decode_to_the_same_value():
    doc = {"order_id": "o", "items": [{"sku": "s", "quantity": 1}], "note": "注文"}
    text = json.dumps(doc, ensure_ascii=False)
    assert json_body(event(text)) == doc
    assert json_body(event(base64.b64encode(text.encode()).decode(), True)) == doc


@pytest.mark.parametrize(
    "evt, expected",
    [
        ({"routeKey": "POST /orders"}, (400, "body: required")),
        (event(""), (400, "body: required")),
        (event(b"{}"), (400, "body: must be a string")),
        (event("{}", "yes"), (400, "isBase64Encoded: must be a boolean")),
        (event("not json"), (400, "body: not valid JSON")),
        (event("{'a': 1}"), (400, "body: not valid JSON")),
        (event('{"q": NaN}'), (400, "body: not valid JSON")),
        (event('{"q": -Infinity}'), (400, "body: not valid JSON")),
        (event("[" * 100_000 + "]" * 100_000), (413, f"body: larger than {MAX_BODY_BYTES} bytes")),
        (event("[" * 30_000 + "]" * 30_000), (400, "body: not valid JSON")),  # too deep to parse
        (event("%%%", True), (400, "body: not valid base64")),
        (event(base64.b64encode(b"\xff\xfe{}").decode(), True), (400, "body: not valid UTF-8")),
        (event('"\ud800"'), (400, "body: not valid UTF-8")),
        (event("1" * 5000), (400, "body: not valid JSON")),  # beyond int's digit limit
    ],
)
def test_bad_bodies(evt, expected):
    assert error_of(evt) == expected


def test_size_limit_is_on_decoded_bytes():
    at_limit = '"' + "a" * (MAX_BODY_BYTES - 2) + '"'
    assert len(json_body(event(at_limit))) == MAX_BODY_BYTES - 2
    assert error_of(event(at_limit + " "))[0] == 413
    multibyte = '"' + "é" * (MAX_BODY_BYTES // 2) + '"'  # fewer characters than bytes
    assert error_of(event(multibyte))[0] == 413
    encoded = base64.b64encode((at_limit + " ").encode()).decode()
    assert error_of(event(encoded, True))[0] == 413
    assert len(json_body(event(base64.b64encode(at_limit.encode()).decode(), True))) == MAX_BODY_BYTES - 2


def test_route_key_and_path_parameter():
    assert route_key({"routeKey": "GET /orders/{order_id}"}) == "GET /orders/{order_id}"
    assert route_key({"routeKey": 3}) is None
    assert route_key(["routeKey"]) is None
    assert path_parameter({"pathParameters": {"order_id": "x"}}, "order_id") == "x"
    assert path_parameter({"pathParameters": None}, "order_id") is None
    assert path_parameter({}, "order_id") is None
