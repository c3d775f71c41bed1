"""Lambda's Invoke API on the same server (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html), so
boto3's Lambda client with ``AWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:PORT`` invokes the local functions:

    POST /2015-03-31/functions/{FunctionName}/invocations?Qualifier=...

``FunctionName`` is a name, ``name:qualifier``, a partial or a full ARN; the qualifier (there or as ``Qualifier``)
is ``$LATEST``, a version's number or an alias (``local_lambda``). ``X-Amz-Invocation-Type`` RequestResponse (200,
the function's payload as the runtime serialized it), Event (202, run in the background) or DryRun (204);
``X-Amz-Log-Type: Tail`` returns the last 4 KB of the log in ``X-Amz-Log-Result``; a function error is a 200 with
``X-Amz-Function-Error: Unhandled`` and the error document; ``X-Amz-Executed-Version`` names the version that ran.
Lambda's own errors (no such function, throttled, payload too large, not JSON) are its REST-JSON errors, which
botocore turns into the same exceptions as on AWS (``x-amzn-ErrorType``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

from lambda_kit.local.http_gateway import MAX_INVOKE_BYTES, HttpResponse
from lambda_kit.local.local_lambda import NotFound, QualifierMismatch, Result, Target

PREFIX = "/2015-03-31/functions/"
SUFFIX = "/invocations"


def is_invoke(method: str, raw_path: str) -> bool:
    return method == "POST" and raw_path.startswith(PREFIX) and raw_path.endswith(SUFFIX)


def lambda_error(status: int, code: str, message: str, **fields: str) -> HttpResponse:
    body = json.dumps({"Type": "User", "message": message, **fields}).encode()
    return HttpResponse(status, [("content-type", "application/json"), ("x-amzn-errortype", code)], body)


def throttled() -> HttpResponse:
    return lambda_error(
        429, "TooManyRequestsException", "Rate Exceeded.", Reason="ReservedFunctionConcurrentInvocationLimitExceeded"
    )


@dataclass(frozen=True)
class InvokeRequest:
    target: Target
    payload: bytes
    invocation_type: str  # RequestResponse | Event | DryRun
    tail: bool
    client_context: dict[str, Any] | None


def parse(
    raw_path: str, raw_query: str, headers: Mapping[str, str], body: bytes, find: Any
) -> InvokeRequest | HttpResponse:
    """The invocation an Invoke API request asks for, or Lambda's error response. ``find``:
    ``LocalLambda.find``; ``headers``: lower-cased names."""
    name = unquote(raw_path[len(PREFIX) : -len(SUFFIX)])
    qualifier = parse_qs(raw_query).get("Qualifier", [None])[0]
    try:
        target = find(name, qualifier)
    except NotFound as missing:
        return lambda_error(404, "ResourceNotFoundException", str(missing))
    except QualifierMismatch as mismatch:
        return lambda_error(400, "InvalidParameterValueException", str(mismatch))
    if len(body) > MAX_INVOKE_BYTES:
        return lambda_error(
            413,
            "RequestTooLargeException",
            f"Request must be smaller than {MAX_INVOKE_BYTES} bytes for the InvokeFunction operation",
        )
    try:
        json.loads(body or b"{}")
    except ValueError as error:
        return lambda_error(400, "InvalidRequestContentException", f"Could not parse request body into json: {error}")
    invocation_type = headers.get("x-amz-invocation-type", "RequestResponse")
    if invocation_type not in ("RequestResponse", "Event", "DryRun"):
        return lambda_error(400, "InvalidParameterValueException", f"Unsupported invocation type {invocation_type}")
    client_context = None
    if "x-amz-client-context" in headers:
        try:
            client_context = json.loads(base64.b64decode(headers["x-amz-client-context"], validate=True))
        except (ValueError, binascii.Error):
            return lambda_error(400, "InvalidParameterValueException", "Client context must be base64-encoded JSON")
    tail = headers.get("x-amz-log-type", "None") == "Tail"
    return InvokeRequest(target, body or b"{}", invocation_type, tail, client_context)


def respond(request: InvokeRequest, result: Result) -> HttpResponse:
    """What Lambda answers a synchronous invocation with."""
    invocation = result.invocation
    headers = [
        ("content-type", "application/json"),
        ("x-amz-executed-version", result.version),
        ("x-amzn-requestid", invocation.request_id),
    ]
    if request.tail:
        headers.append(("x-amz-log-result", result.log_tail))
    if invocation.error is not None:
        headers.append(("x-amz-function-error", "Unhandled"))
        return HttpResponse(200, headers, json.dumps(invocation.error).encode())
    if len(invocation.payload) > MAX_INVOKE_BYTES:
        error = {
            "errorMessage": f"Response payload size ({len(invocation.payload)} bytes) exceeded maximum allowed "
            f"payload size ({MAX_INVOKE_BYTES} bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }
        headers.append(("x-amz-function-error", "Unhandled"))
        return HttpResponse(200, headers, json.dumps(error).encode())
    return HttpResponse(200, headers, invocation.payload)
