"""A small HTTP client for an HTTP API, local (``lambda-kit serve``) or deployed, for contract suites.

Requests to a deployed stage are signed with SigV4 (botocore's signer, service ``execute-api``) when its routes
require IAM authorization (``lambda-kit e2e`` tells the suite so).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# Signs a request in place: (method, url, headers, body) -> headers to send.
Signer = Callable[[str, str, dict[str, str], bytes], dict[str, str]]


def sigv4_signer(credentials: Any, region: str) -> Signer:
    """SigV4 for API Gateway (``execute-api``) with botocore's signer and the caller's credentials."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    def sign(method: str, url: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(credentials.get_frozen_credentials(), "execute-api", region).add_auth(request)
        return dict(request.headers.items())

    return sign


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ApiClient:
    def __init__(self, base_url: str, signer: Signer | None = None, timeout: float = 35.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._signer = signer
        self._timeout = timeout

    def request(
        self, method: str, path: str, body: bytes | str | None = None, headers: Mapping[str, str] | None = None
    ) -> Response:
        url = self.base_url + path
        data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else (body or b"")
        send = dict(headers or {})
        if self._signer:
            send = self._signer(method, url, send, data)
        request = urllib.request.Request(url, data=data if body is not None else None, headers=send, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as answer:
                return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
        except urllib.error.HTTPError as error:  # a 4xx/5xx is an answer like any other here
            return Response(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())

    def post_json(self, path: str, document: Any) -> Response:
        return self.request("POST", path, json.dumps(document), {"content-type": "application/json"})
