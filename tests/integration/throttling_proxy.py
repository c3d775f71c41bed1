"""An HTTP proxy in front of moto server that answers DynamoDB throttling errors on demand.

moto never throttles. The function's client is pointed here; requests for the chosen operation get
DynamoDB's ``ProvisionedThroughputExceededException`` (HTTP 400) the first ``throttle`` times, the
rest is forwarded to moto, so botocore's real retry logic runs over real HTTP.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

THROTTLED = json.dumps(
    {
        "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "message": "The level of configured provisioned throughput for the table was exceeded.",
    }
).encode()


class ThrottlingProxy:
    def __init__(self, upstream: str, operation: str = "PutItem", throttle: int = 0) -> None:
        self.operation = operation
        self.throttle = throttle  # how many more requests for `operation` to throttle
        self.seen = 0  # requests for `operation`, throttled or not
        self._lock = threading.Lock()
        target = urlsplit(upstream)
        if target.hostname is None:
            raise ValueError(f"upstream needs a host: {upstream!r}")
        upstream_host, upstream_port = target.hostname, target.port
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.headers.get("x-amz-target", "").endswith("." + proxy.operation):
                    with proxy._lock:
                        proxy.seen += 1
                        throttled = proxy.throttle > 0
                        proxy.throttle -= 1 if throttled else 0
                    if throttled:
                        self.send_response(400)
                        self.send_header("content-type", "application/x-amz-json-1.0")
                        self.send_header("content-length", str(len(THROTTLED)))
                        self.end_headers()
                        self.wfile.write(THROTTLED)
                        return
                upstream_conn = http.client.HTTPConnection(upstream_host, upstream_port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream_conn.request("POST", self.path, body=body, headers=headers)
                response = upstream_conn.getresponse()
                payload = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                upstream_conn.close()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"  # the address bound below

    def __enter__(self) -> ThrottlingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
