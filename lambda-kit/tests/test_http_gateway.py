"""lambda-kit serve's front: the events it builds match real HTTP API events, routes match as API Gateway's do, and
function results become HTTP responses as API Gateway makes them (payload format 2.0)."""

import base64
import json

import pytest

from lambda_kit.assembly.app_model import AppModel
from lambda_kit.local.http_gateway import INTERNAL_ERROR, Router, build_event, is_text, to_http_response
from tests.conftest import SHOP


@pytest.fixture
def router(shop_model: AppModel) -> Router:
    """The fixture app's routes as its template declares them: POST /items, GET /items/{id}, GET /hello."""
    return Router([(route.method, route.path) for api in shop_model.apis for route in api.routes])


def event(method="POST", target="/items", headers=(), body=b"", route=("POST /items", {})):
    path, _, query = target.partition("?")
    return build_event(
        method=method,
        raw_path=path,
        raw_query=query,
        headers=headers,
        body=body,
        route_key=route[0],
        path_parameters=route[1],
        source_ip="203.0.113.10",
        protocol="HTTP/1.1",
        request_id="JKJaXmPLvHcESHA=",
        now=1795770000.0,
    )


@pytest.mark.parametrize(
    "method, path, expected",
    [
        ("POST", "/items", ("POST /items", {})),
        ("GET", "/items/i-1", ("GET /items/{id}", {"id": "i-1"})),
        ("GET", "/items/a%20b", ("GET /items/{id}", {"id": "a b"})),
        ("GET", "/hello", ("GET /hello", {})),
        ("GET", "/items", None),
        ("GET", "/items/a/b", None),
        ("DELETE", "/items/i-1", None),
        ("POST", "/items/", ("POST /items", {})),
        ("POST", "/hello", None),
    ],
)
def test_routes_match_like_api_gateway(router, method, path, expected):
    assert router.match(method, path) == expected


def test_literal_segments_win_and_greedy_parameters_take_the_rest():
    router = Router([("GET", "/files/{name}"), ("GET", "/files/latest"), ("ANY", "/proxy/{path+}")])
    assert router.match("GET", "/files/latest") == ("GET /files/latest", {})
    assert router.match("GET", "/files/x") == ("GET /files/{name}", {"name": "x"})
    assert router.match("PATCH", "/proxy/a/b%2Fc") == ("ANY /proxy/{path+}", {"path": "a/b/c"})


def test_the_event_has_the_shape_of_a_real_http_api_event():
    real = json.loads((SHOP / "events" / "post_item.json").read_text())  # events/SOURCES.md
    built = event(headers=[("Content-Type", "application/json"), ("Cookie", "a=1; b=2")], body=b"{}")
    optional = {"pathParameters", "queryStringParameters", "stageVariables"}
    assert set(built) - optional == set(real) - optional
    real_context = set(real["requestContext"]) - {"authorizer", "authentication"}
    assert set(built["requestContext"]) == real_context
    assert set(built["requestContext"]["http"]) == set(real["requestContext"]["http"])
    assert (
        built["requestContext"]["time"] == "27/Nov/2026:09:00:00 +0000"
        and built["requestContext"]["stage"] == "$default"
    )


def test_headers_cookies_and_query_as_api_gateway_passes_them():
    built = event(
        target="/items?a=1&a=2&b=x%20y&c=",
        headers=[("Content-Type", "application/json"), ("X-Dup", "1"), ("x-dup", "2"), ("Cookie", "s=1; t=2")],
        body=b'{"k": "\xc3\xa9"}',
    )
    assert built["headers"] == {"content-type": "application/json", "x-dup": "1,2"}  # cookie moved out
    assert built["cookies"] == ["s=1", "t=2"]
    assert built["rawQueryString"] == "a=1&a=2&b=x%20y&c="
    assert built["queryStringParameters"] == {"a": "1,2", "b": "x y", "c": ""}
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
    headers = [("content-type", content_type)] if content_type else []
    built = event(headers=headers, body=b"\x00\x01{}")
    assert built["isBase64Encoded"] is (not text)
    if not text:
        assert base64.b64decode(built["body"]) == b"\x00\x01{}"


def test_no_body_no_body_field():
    built = event(method="GET", target="/items/i-1", route=("GET /items/{id}", {"id": "i-1"}))
    assert "body" not in built and built["isBase64Encoded"] is False
    assert built["pathParameters"] == {"id": "i-1"}


def test_function_results_become_http_responses():
    structured = to_http_response(
        {"statusCode": 201, "headers": {"Content-Type": "application/json"}, "cookies": ["a=1"], "body": "{}"}
    )
    assert (structured.status, structured.headers, structured.body) == (
        201,
        [("content-type", "application/json"), ("set-cookie", "a=1")],
        b"{}",
    )
    binary = to_http_response({"statusCode": 200, "body": base64.b64encode(b"\xff").decode(), "isBase64Encoded": True})
    assert binary.body == b"\xff"
    inferred = to_http_response({"hello": "world"})  # no statusCode: 200, JSON, the value as the body
    assert (inferred.status, inferred.headers, json.loads(inferred.body)) == (
        200,
        [("content-type", "application/json")],
        {"hello": "world"},
    )
    assert to_http_response({"statusCode": "abc"}) == INTERNAL_ERROR
    assert to_http_response({"statusCode": 999}) == INTERNAL_ERROR
