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
        (event("[" * 30_000 + "]" * 30_000), (400, "body: nested too deeply")),
        (event("%%%", True), (400, "body: not valid base64")),
        (event(base64.b64encode(b"\xff\xfe{}").decode(), True), (400, "body: not valid UTF-8")),
        (event("\ufeff{}"), (400, "body: starts with a byte order mark (BOM); send the JSON without it")),
    ],
)
def test_bad_bodies(evt, expected):
    assert error_of(evt) == expected


SURROGATE = "contains a lone surrogate U+{}, which is not valid Unicode"


@pytest.mark.parametrize(
    "body, encoded, expected",
    [
        # What JavaScript's JSON.stringify writes for a cut-off emoji: 14 plain-ASCII bytes.
        ('{"\\ud83d":1}', False, "body: an object key " + SURROGATE.format("D83D")),
        ('{"order_id": "a\\udfff"}', False, "order_id: " + SURROGATE.format("DFFF")),
        ('{"items": [{"sku": "ok"}, {"sku": "\\udc00"}]}', False, "items[1].sku: " + SURROGATE.format("DC00")),
        ('["\\ud800"]', False, "body[0]: " + SURROGATE.format("D800")),
        ('"\\udbff x"', False, "body: " + SURROGATE.format("DBFF")),
        ('"\ud800"', False, "body: " + SURROGATE.format("D800")),  # the raw character in the event's body
        (base64.b64encode(b'"\xed\xb0\x80"').decode(), True, "body: " + SURROGATE.format("DC00")),  # CESU-8 bytes
    ],
)
def test_lone_surrogates_are_named_and_never_echoed(body, encoded, expected):
    status, message = error_of(event(body, encoded))
    assert (status, message) == (400, expected)
    message.encode("utf-8")  # the message itself can always be sent


def test_a_surrogate_pair_is_one_valid_character():
    assert json_body(event('{"note": "\\ud83d\\ude00"}')) == {"note": "\U0001f600"}


def test_an_integer_too_long_to_convert_names_its_field():
    digits = 5000  # Python's int() refuses more than sys.get_int_max_str_digits() (4300) digits
    assert error_of(event('{"items": [{"quantity": ' + "9" * digits + "}]}")) == (
        400,
        f"items[0].quantity: integer with {digits} digits is too large",
    )
    assert error_of(event("-" + "1" * digits)) == (400, f"body: integer with {digits} digits is too large")
    assert json_body(event("1" * 4300)) == int("1" * 4300)  # at the limit: a number like any other


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
