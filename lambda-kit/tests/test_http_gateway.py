"""make serve's front: the events it builds match real HTTP API events, routes match as API Gateway's do,
and function results become HTTP responses as API Gateway makes them (payload format 2.0)."""

import base64
import json
from pathlib import Path

import pytest

from lambda_kit.local.http_gateway import INTERNAL_ERROR, Router, build_event, is_text, to_http_response
from stacks.function_routes import declared_routes

EVENTS = Path(__file__).resolve().parents[3] / "events"
ROUTER = Router([(r.method, r.path) for r in declared_routes("orders")])


def event(method="POST", target="/orders", headers=(), body=b"", route=("POST /orders", {})):
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
        ("POST", "/orders", ("POST /orders", {})),
        ("GET", "/orders/o-1", ("GET /orders/{order_id}", {"order_id": "o-1"})),
        ("GET", "/orders/a%20b", ("GET /orders/{order_id}", {"order_id": "a b"})),
        ("GET", "/orders", None),
        ("GET", "/orders/a/b", None),
        ("DELETE", "/orders/o-1", None),
        ("POST", "/orders/", ("POST /orders", {})),
    ],
)
def test_routes_match_like_api_gateway(method, path, expected):
    assert ROUTER.match(method, path) == expected


def test_literal_segments_win_and_greedy_parameters_take_the_rest():
    router = Router([("GET", "/files/{name}"), ("GET", "/files/latest"), ("ANY", "/proxy/{path+}")])
    assert router.match("GET", "/files/latest") == ("GET /files/latest", {})
    assert router.match("GET", "/files/x") == ("GET /files/{name}", {"name": "x"})
    assert router.match("PATCH", "/proxy/a/b%2Fc") == ("ANY /proxy/{path+}", {"path": "a/b/c"})


def test_the_event_has_the_shape_of_a_real_http_api_event():
    real = json.loads((EVENTS / "post_order.json").read_text())
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
        target="/orders?a=1&a=2&b=x%20y&c=",
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
    built = event(method="GET", target="/orders/o-1", route=("GET /orders/{order_id}", {"order_id": "o-1"}))
    assert "body" not in built and built["isBase64Encoded"] is False
    assert built["pathParameters"] == {"order_id": "o-1"}


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
