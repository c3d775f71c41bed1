"""lambda-kit serve's pure gateway functions: the path as a deployed HTTP API decodes it (recorded), routes chosen as
API Gateway chooses them, the events it builds next to recorded ones, and function results mapped to HTTP responses
as API Gateway maps them (payload format 2.0). The same behaviour over real HTTP: tests/test_gateway_http.py."""

import base64
import json

import pytest

from lambda_kit.assembly.app_model import AppModel
from lambda_kit.local.http_gateway import (
    INTERNAL_ERROR,
    NOT_FOUND,
    Client,
    Router,
    build_event,
    decode_path,
    is_text,
    to_http_response,
)
from tests.conftest import SHOP

RECORDED = SHOP.parent / "recorded"  # SOURCES.md there: captured from a deployed HTTP API


@pytest.fixture
def router(shop_model: AppModel) -> Router:
    """The fixture app's routes as its template declares them: POST /items, GET /items/{id}, GET /hello."""
    return Router([(route.method, route.path) for api in shop_model.apis for route in api.routes])


def event(method="POST", target="/items", headers=(), body=b"", route=("POST /items", {})):
    path, _, query = target.partition("?")
    return build_event(
        method=method,
        path=path,
        raw_query=query,
        headers=headers,
        body=body,
        route_key=route[0],
        path_parameters=route[1],
        client=Client("203.0.113.10", 443, "https"),
        request_id="JKJaXmPLvHcESHA=",
        trace="Root=1-6a5145a9-1bae89e2512ec92d5d9438a0",
        now=1795770000.0,
    )


@pytest.mark.parametrize("case", json.loads((RECORDED / "ingress-paths.json").read_text()), ids=lambda c: c["sentPath"])
def test_the_path_is_decoded_as_a_deployed_http_api_decodes_it(case):
    assert decode_path(case["sentPath"]) == (None if case.get("httpAPIRejected") else case["httpAPIPath"])


@pytest.mark.parametrize(
    "method, path, expected",
    [
        ("POST", "/items", ("POST /items", {})),
        ("GET", "/items/i-1", ("GET /items/{id}", {"id": "i-1"})),
        ("GET", "/items/a b", ("GET /items/{id}", {"id": "a b"})),  # decoded before routing (decode_path)
        ("GET", "/hello", ("GET /hello", {})),
        ("GET", "/items", None),
        ("GET", "/items/a/b", None),  # /items/a%2Fb arrives as /items/a/b: two segments
        ("DELETE", "/items/i-1", None),
        ("POST", "/items/", None),  # a trailing slash is a path of its own
        ("GET", "/items/x/", None),
        ("HEAD", "/hello", None),  # a GET route is not a HEAD route
        ("POST", "/hello", None),
    ],
)
def test_routes_match_like_api_gateway(router, method, path, expected):
    assert router.match(method, path) == expected


def test_the_most_specific_route_wins_then_greedy_then_default():
    router = Router(
        [("GET", "/files/{name}"), ("GET", "/files/latest"), ("ANY", "/files/{path+}"), ("ANY", "$default")]
    )
    assert router.match("GET", "/files/latest") == ("GET /files/latest", {})
    assert router.match("GET", "/files/x") == ("GET /files/{name}", {"name": "x"})
    assert router.match("POST", "/files/x") == ("ANY /files/{path+}", {"path": "x"})  # no POST route: greedy ANY
    assert router.match("PATCH", "/files/a/b c") == ("ANY /files/{path+}", {"path": "a/b c"})
    assert router.match("GET", "/other") == ("$default", {})
    assert router.match("GET", "/files") == ("$default", {})  # greedy needs at least one segment
    assert Router([("GET", "/a")]).match("GET", "/b") is None


def test_the_event_has_the_shape_and_the_added_headers_of_a_recorded_one():
    recorded = json.loads((RECORDED / "apigwv2-request.json").read_text())
    built = event(headers=[("Content-Type", "application/json"), ("Cookie", "a=1; b=2")], body=b"{}")
    optional = {"pathParameters", "queryStringParameters", "stageVariables"}
    assert set(built) - optional == set(recorded) - optional
    context_fields = set(recorded["requestContext"]) - {"authorizer", "authentication"}
    assert set(built["requestContext"]) == context_fields
    assert set(built["requestContext"]["http"]) == set(recorded["requestContext"]["http"])
    added = {"x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id"}
    assert added <= set(recorded["headers"]) and added <= set(built["headers"])
    assert (built["headers"]["x-forwarded-for"], built["headers"]["x-forwarded-port"]) == ("203.0.113.10", "443")
    assert built["headers"]["x-amzn-trace-id"].startswith("Root=1-")
    assert built["requestContext"]["time"] == "27/Nov/2026:09:00:00 +0000"


def test_headers_cookies_and_query_as_api_gateway_passes_them():
    recorded = json.loads((RECORDED / "apigwv2-request.json").read_text())
    built = event(
        target="/items?" + recorded["rawQueryString"],
        headers=[("Content-Type", "application/json"), ("X-Dup", "1"), ("x-dup", "2"), ("Cookie", "s=1; t=2")],
        body=b'{"k": "\xc3\xa9"}',
    )
    assert built["headers"]["x-dup"] == "1,2" and "cookie" not in built["headers"]
    assert built["cookies"] == ["s=1", "t=2"]
    assert built["rawQueryString"] == recorded["rawQueryString"]  # as sent
    assert built["queryStringParameters"] == recorded["queryStringParameters"]  # decoded, repeats joined
    assert built["body"] == '{"k": "é"}' and built["isBase64Encoded"] is False


@pytest.mark.parametrize(
    "content_type, text",
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("text/plain", True),
        ("application/vnd.api+json", True),
        ("application/octet-stream", False),
        ("application/x-www-form-urlencoded", False),
        (None, False),
    ],
)
def test_bodies_of_binary_types_are_base64_encoded(content_type, text):
    assert is_text(content_type) is text
    built = event(headers=[("content-type", content_type)] if content_type else [], body=b"\x00\x01{}")
    assert built["isBase64Encoded"] is (not text)
    if not text:
        assert base64.b64decode(built["body"]) == b"\x00\x01{}"


def test_no_body_no_body_field():
    built = event(method="GET", target="/items/i-1", route=("GET /items/{id}", {"id": "i-1"}))
    assert "body" not in built and built["isBase64Encoded"] is False
    assert built["pathParameters"] == {"id": "i-1"}


def test_function_results_become_http_responses():
    structured = to_http_response(
        {"statusCode": 201, "headers": {"Content-Type": "application/json"}, "cookies": ["a=1"], "body": "{}"}, b""
    )
    assert (structured.status, structured.headers, structured.body) == (
        201,
        [("content-type", "application/json"), ("set-cookie", "a=1")],
        b"{}",
    )
    binary = to_http_response(
        {"statusCode": 200, "body": base64.b64encode(b"\xff").decode(), "isBase64Encoded": True}, b""
    )
    assert binary.body == b"\xff"
    # No statusCode: a 200 application/json whose body is what the function returned, as the runtime wrote it.
    inferred = to_http_response({"hello": "world"}, b'{"hello": "world"}')
    assert (inferred.status, inferred.headers, inferred.body) == (
        200,
        [("content-type", "application/json")],
        b'{"hello": "world"}',
    )
    assert to_http_response("plain text", b'"plain text"').body == b"plain text"  # a string: itself, no quotes
    multi = to_http_response({"statusCode": 200, "multiValueHeaders": {"x": ["1", "2"]}, "body": ""}, b"")
    assert multi.headers == []  # payload 2.0 has no multiValueHeaders
    assert to_http_response({"statusCode": "abc"}, b"") == INTERNAL_ERROR
    assert to_http_response({"statusCode": 999}, b"") == INTERNAL_ERROR
    assert to_http_response({"statusCode": 200, "body": "%%", "isBase64Encoded": True}, b"") == INTERNAL_ERROR


def test_gateway_errors_are_byte_for_byte_api_gateways():
    assert NOT_FOUND.body == b'{"message":"Not Found"}' and len(NOT_FOUND.body) == 23
    assert INTERNAL_ERROR.body == b'{"message":"Internal Server Error"}'
