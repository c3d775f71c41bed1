"""lambda-kit serve under real clients (raw sockets, urllib, botocore's signer, joserfc tokens), against the fixture's
gateway-probe stack: each limit pinned by the layer docs/http-api.md names, and each row of its behaviour table.
The probe function answers as the last segment of the path asks (tests/fixtures/shop/app.py, PROBE_SOURCE)."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from joserfc import jwt
from joserfc.jwk import RSAKey

from lambda_kit.local.emulator import fake_credentials_env
from tests.served import FIXTURE, Served, read_response

IDLE_TIMEOUT = 1.0  # --idle-timeout: seconds, short so the timeout tests are quick
NOT_FOUND = b'{"message":"Not Found"}'
REGION = "ap-northeast-1"  # the fixture's


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    front = Served(FIXTURE, "--idle-timeout", str(IDLE_TIMEOUT))
    yield front
    output = front.stop()
    assert front.process.returncode == 0 and "stopped:" in output.splitlines()[-1], output[-2000:]


def echo(served: Served, path: str = "/probe/echo", **options) -> tuple[int, dict[str, str], Any]:
    """(status, headers, the event the probe function got, or the answer's body when it is not a 200)."""
    status, headers, body = served.request("GET", path, **options)
    return status, headers, json.loads(body) if status == 200 else body


def raw(served: Served, data: bytes) -> tuple[int, dict[str, str], bytes]:
    with served.connect() as sock:
        sock.sendall(data)
        return read_response(sock)


def access_lines(served: Served, marker: str) -> list[str]:
    """The access lines of the requests whose target holds ``marker`` (printed once the answer is sent)."""
    for _ in range(50):
        if found := [line for line in served.lines if marker in line]:
            return found
        time.sleep(0.05)
    return []


# ---------------------------------------------------------------------------------------------------------- limits


def test_a_chunked_body_is_read_whole(served):
    status, _, body = raw(
        served,
        b"POST /probe/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    )
    assert status == 200 and json.loads(body)["body"] == "hello world"


def test_an_incomplete_body_never_reaches_the_function(served):
    marker = f"aborted-{uuid.uuid4().hex[:8]}"
    with served.connect() as sock:
        sock.sendall(
            f"POST /probe/echo?{marker} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n".encode() + b"m" * 19
        )
        sock.shutdown(1)  # the client goes away after 19 of its 100 bytes
        assert sock.recv(100) == b""
    [line] = access_lines(served, marker)
    assert "client closed the connection before its body ended" in line and "route=-" in line


@pytest.mark.parametrize("length", [b"abc", b"-5", b"1x"])
def test_a_malformed_content_length_is_a_400_from_h11(served, length):
    status, _, _ = raw(served, b"POST /probe/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n")
    assert status == 400


def test_a_body_over_10_mb_is_refused_before_it_is_read(served):
    with served.connect() as sock:  # 100 GB announced, 1 KB sent: the answer comes without the rest
        sock.sendall(b"POST /probe/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 107374182400\r\n\r\n" + b"x" * 1024)
        status, headers, body = read_response(sock)
    assert (status, body, headers["connection"]) == (413, b'{"message":"Request Entity Too Large"}', "close")
    with served.connect() as sock:  # chunked: counted while reading, refused past 10 MB
        sock.sendall(b"POST /probe/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (1024 * 1024, b"y" * 1024 * 1024)
        try:
            for _ in range(11):
                sock.sendall(chunk)
        except OSError:
            pass  # the front may close before the client is done sending
        assert read_response(sock)[0] == 413


def test_request_line_and_header_values_are_limited_to_10240_bytes(served):
    def head(total: int) -> bytes:
        line = b"GET /probe/echo HTTP/1.1"  # counted as method + target + " HTTP/1.1" + one space
        pad = total - (len(line) + len(b"x"))  # the Host value "x"
        return line + b"\r\nHost: x\r\nX-Pad: " + b"p" * pad + b"\r\n\r\n"

    assert raw(served, head(10_240))[0] == 200
    status, _, body = raw(served, head(10_241))
    assert (status, body) == (431, b'{"message":"Request Header Fields Too Large"}')
    assert raw(served, b"GET /probe/" + b"p" * 12_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")[0] == 431  # a 12 KB path
    with served.connect() as sock:  # a head that never ends: h11's bound, 400
        sock.sendall(b"GET /probe/echo HTTP/1.1\r\nX-Big: " + b"a" * 60_000)
        assert read_response(sock)[0] == 400


def test_idle_and_stalled_connections_are_closed(served):
    for opening in (b"", b"GET /probe/echo HTTP/1.1\r\nHo"):  # nothing sent; half a request head
        with served.connect() as sock:
            sock.sendall(opening)
            started = time.monotonic()
            assert sock.recv(100) == b""
            assert time.monotonic() - started < IDLE_TIMEOUT + 1.5
    with served.connect() as sock:  # keep-alive: a second request on the connection, then idle
        for _ in range(2):
            sock.sendall(b"GET /probe/string HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(sock)[1]["connection"] == "keep-alive"
        assert sock.recv(100) == b""


def test_a_stalled_body_is_a_408_and_invokes_nothing(served):
    marker = f"stalled-{uuid.uuid4().hex[:8]}"
    with served.connect() as sock:
        sock.sendall(f"POST /probe/echo?{marker} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc".encode())
        assert read_response(sock)[0] == 408
    [line] = access_lines(served, marker)
    assert "nothing invoked" in line


def test_the_listen_backlog_is_at_least_1024(served):
    listening = subprocess.run(["ss", "-ltnH", f"sport = :{served.port}"], capture_output=True, text=True, check=True)
    assert int(listening.stdout.split()[2]) >= 1024  # Send-Q of a listening socket: its backlog


def test_the_integration_timeout_is_the_templates(served):
    started = time.monotonic()
    status, _, body = served.request("GET", "/probe/x/sleep-1.9")  # ANY /probe/{proxy+}: TimeoutInMillis 1500
    assert (status, body) == (503, b'{"message":"Service Unavailable"}')
    assert 1.4 < time.monotonic() - started < 1.9


# ------------------------------------------------------------------------------------ function results and errors


def test_a_result_becomes_the_response_api_gateway_makes(served):
    assert served.request("GET", "/probe/string")[::2] == (200, b"plain text")
    status, headers, body = served.request("GET", "/probe/object")
    assert (status, headers["content-type"], body) == (200, "application/json", b'{"answer": 42}')
    status, headers, body = served.request("GET", "/probe/binary")
    assert body == bytes(range(256))
    status, headers, _ = served.request("GET", "/probe/multi")
    assert status == 200 and "x-multi" not in headers
    with served.connect() as sock:  # two Set-Cookie headers, not one joined
        sock.sendall(b"GET /probe/cookies HTTP/1.1\r\nHost: x\r\n\r\n")
        data = sock.recv(65536)
    assert data.count(b"set-cookie: ") == 2 and b"set-cookie: a=1; Path=/\r\n" in data


@pytest.mark.parametrize("action", ["raise", "crash", "bad-status", "big"])
def test_function_errors_crashes_and_oversized_results_are_500(served, action):
    status, _, body = served.request("GET", f"/probe/{action}")
    assert (status, body) == (500, b'{"message":"Internal Server Error"}')
    assert served.request("GET", "/probe/string")[0] == 200  # a crash ends an environment; the next one serves


def test_a_function_timeout_is_a_500(served):
    started = time.monotonic()
    assert served.request("GET", "/probe/sleep-3")[::2] == (500, b'{"message":"Internal Server Error"}')
    assert time.monotonic() - started < 2.9  # the function's 2 s timeout, before the 30 s integration timeout


# --------------------------------------------------------------------------------- what API Gateway adds and decodes


def test_the_request_id_header_is_the_events_and_the_added_headers(served):
    _, headers, event = echo(served, headers={"x-forwarded-for": "198.51.100.7"})
    assert headers["apigw-requestid"] == event["requestContext"]["requestId"]
    assert "date" in headers and "server" not in headers  # (keep-alive: test_idle_and_stalled_connections_are_closed)
    added = event["headers"]
    assert added["x-forwarded-for"] == "198.51.100.7, 127.0.0.1"
    assert (added["x-forwarded-proto"], added["x-forwarded-port"]) == ("http", str(served.port))
    assert added["x-amzn-trace-id"].startswith("Root=1-")


def test_paths_are_decoded_then_routed(served):
    _, _, event = echo(served, "/probe/echo%2Fx%20y")
    assert (event["rawPath"], event["routeKey"]) == ("/probe/echo/x y", "ANY /probe/{proxy+}")
    assert event["pathParameters"] == {"proxy": "echo/x y"}
    assert served.request("GET", "/probe/percent%25done")[::2] == (400, b'{"message":"Bad Request"}')
    assert served.request("GET", "/items/x/")[::2] == (404, NOT_FOUND)  # trailing slash: no route


def test_head_is_a_route_method_of_its_own(served):
    assert served.request("HEAD", "/hello")[0] == 404  # GET /hello is not HEAD
    status, headers, body = served.request("HEAD", "/probe/a/string")  # ANY /probe/{proxy+}
    assert (status, headers["content-length"], body) == (200, "10", b"")


def test_cors_preflight_and_response_headers_follow_the_apis_configuration(served):
    origin = {"origin": "https://app.example.com", "access-control-request-method": "GET"}
    status, headers, body = served.request("OPTIONS", "/probe/echo", headers=origin)
    assert (status, body) == (204, b"")
    assert headers["access-control-allow-origin"] == "https://app.example.com"
    assert (headers["access-control-allow-methods"], headers["access-control-max-age"]) == ("GET,POST", "300")
    assert headers["access-control-allow-headers"] == "content-type,authorization"
    status, headers, _ = served.request("OPTIONS", "/probe/echo", headers={**origin, "origin": "https://evil.example"})
    assert status == 204 and "access-control-allow-origin" not in headers
    status, headers, _ = served.request("GET", "/probe/echo", headers={"origin": "https://app.example.com"})
    assert headers["access-control-allow-origin"] == "https://app.example.com"
    assert headers["access-control-expose-headers"] == "x-probe"
    assert served.request("OPTIONS", "/items", headers=origin)[0] == 404  # the shop's API has no CORS


def test_the_stages_throttling_answers_429(served):
    answers = [served.request("GET", "/throttled")[::2] for _ in range(6)]  # rate 1/s, burst 3
    assert [status for status, _ in answers[:3]] == [200, 200, 200]
    assert (429, b'{"message":"Too Many Requests"}') in answers[3:]


# -------------------------------------------------------------------------------------------------- authorization


def signed(served: Served, path: str, secret: str | None = None, body: bytes = b"") -> dict[str, str]:
    """Headers of a request SigV4-signed by botocore with the local credentials (or another secret)."""
    local = fake_credentials_env(REGION)
    credentials = Credentials(
        local["AWS_ACCESS_KEY_ID"], secret or local["AWS_SECRET_ACCESS_KEY"], local["AWS_SESSION_TOKEN"]
    )
    request = AWSRequest(method="GET", url=served.url + path, data=body)
    SigV4Auth(credentials, "execute-api", REGION).add_auth(request)
    return dict(request.headers.items())


def test_iam_routes_take_requests_signed_with_the_local_credentials(served):
    status, _, event = echo(served, "/probe/iam", headers=signed(served, "/probe/iam"))
    assert status == 200 and event["requestContext"]["authorizer"]["iam"]["accessKey"] == "testing"
    assert served.request("GET", "/probe/iam")[::2] == (403, b'{"message":"Forbidden"}')
    status, _, body = served.request("GET", "/probe/iam", headers=signed(served, "/probe/iam", secret="wrong"))
    assert status == 403 and json.loads(body)["message"].startswith("The request signature we calculated")
    status, _, body = served.request(
        "GET", "/probe/iam?x=1", headers=signed(served, "/probe/iam")
    )  # not what was signed
    assert status == 403


def token(served: Served, **claims) -> str:
    signing_key = Path(served.startup("jwt GET /probe/jwt:").rsplit("signing key ", 1)[1])  # printed by serve
    key = RSAKey.import_key(json.loads(signing_key.read_text()))
    now = int(datetime.now(UTC).timestamp())
    body = {"iss": "https://issuer.example.com", "aud": "probe-client", "iat": now, "exp": now + 300, **claims}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, body, key)


def test_jwt_routes_check_tokens_against_the_local_jwks(served):
    status, _, event = echo(served, "/probe/jwt", headers={"authorization": f"Bearer {token(served, sub='u-1')}"})
    assert status == 200 and event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "u-1"
    status, headers, body = served.request("GET", "/probe/jwt", headers={"authorization": token(served, aud="other")})
    assert (status, body) == (401, b'{"message":"Unauthorized"}')
    assert 'error_description="the token does not have a valid audience"' in headers["www-authenticate"]
    assert served.request("GET", "/probe/jwt", headers={"authorization": token(served, exp=1)})[0] == 401
    assert served.request("GET", "/probe/jwt")[::2] == (401, b'{"message":"Unauthorized"}')
    stranger = RSAKey.generate_key(2048, parameters={"kid": "lambda-kit-local"})
    forged = jwt.encode({"alg": "RS256", "kid": "lambda-kit-local"}, {"iss": "https://issuer.example.com"}, stranger)
    assert served.request("GET", "/probe/jwt", headers={"authorization": forged})[0] == 401


# ---------------------------------------------------------------------------------------------------- concurrency


def test_beyond_the_reserved_concurrency_the_invocation_is_throttled(served):
    with ThreadPoolExecutor(3) as clients:  # the probe's reserved concurrency is 2
        answers = list(clients.map(lambda _: served.request("GET", "/probe/sleep-1")[::2], range(3)))
    assert sorted(status for status, _ in answers) == [200, 200, 500]
    assert (500, b'{"message":"Internal Server Error"}') in answers
    assert any("function throttled: all 2 environments busy" in line for line in served.lines)


def test_a_managed_instances_function_fills_one_environment_then_is_throttled(served):
    """The managed-probe function (4 requests per environment, its version kept to one): four requests at once share
    one environment's four workers; a fifth meanwhile is throttled (Lambda Managed Instances do not scale on arrival)."""
    tmp = f"kit-serve-{uuid.uuid4().hex[:10]}"
    path = f"/multi/sleep-1?tmp={tmp}"
    with ThreadPoolExecutor(4) as clients:
        busy = [clients.submit(served.request, "GET", path) for _ in range(4)]
        time.sleep(0.5)  # the four hold the environment's four workers (or wait for its init) for a second
        throttled = served.request("GET", path)
        answers = [future.result() for future in busy]
    for leftover in Path("/tmp").glob(f"{tmp}-*"):
        leftover.unlink()
    bodies = [json.loads(body) for status, _, body in answers if status == 200]
    assert len(bodies) == 4 and len({b["pid"] for b in bodies}) == 4
    assert len({b["parent"] for b in bodies}) == 1  # one environment
    assert {b["variables"]["AWS_LAMBDA_FUNCTION_VERSION"] for b in bodies} == {"1"}  # the alias's version
    assert throttled[0] == 500 and json.loads(throttled[2]) == {"message": "Internal Server Error"}
    [note] = [line for line in access_lines(served, tmp) if "throttled" in line]
    assert "function throttled: its 1 managed-instances environment(s) serve 4 requests at once" in note
    scaling = (
        "managed instances, 4 requests at once per environment (its workers); environments $LATEST.PUBLISHED: 3, 1: 1"
    )
    assert any(scaling in line for line in served.lines)


def test_no_throttle_lifts_the_stage_and_waits_for_an_environment():
    front = Served(FIXTURE, "--no-throttle")
    try:
        assert "(lifted: --no-throttle)" in front.startup("throttling gateway-probe/ThrottledApi")
        assert [front.request("GET", "/throttled")[0] for _ in range(6)] == [200] * 6
        with ThreadPoolExecutor(3) as clients:
            statuses = list(clients.map(lambda _: front.request("GET", "/probe/sleep-0.5")[0], range(3)))
        assert statuses == [200, 200, 200]
    finally:
        front.stop()
