"""A local endpoint for an AWS API the emulator lacks (moto does not implement CodeDeploy's
``PutLifecycleEventHookExecutionStatus``, for one): it parses each request with botocore's own service model, records
it, and answers with the operation's output shape, so the code under test talks to it with an unchanged client
(``AWS_ENDPOINT_URL_<SERVICE>``).

    with ApiRecorder("codedeploy", answers={"PutLifecycleEventHookExecutionStatus": answer}) as codedeploy:
        ...  # the code under test, with AWS_ENDPOINT_URL_CODEDEPLOY=codedeploy.endpoint_url
        codedeploy.calls  # [Call(operation="PutLifecycleEventHookExecutionStatus", params={...}), ...]

The two RPC protocols botocore speaks to such services: ``json`` (the operation in the ``X-Amz-Target`` header,
a JSON body) and ``smithy-rpc-v2-cbor`` (the operation in the path ``/service/<target prefix>/operation/<name>``, a
CBOR body), which botocore 1.44 prefers for CodeDeploy. The body is read with botocore's own parser for the protocol,
against the operation's input shape, and checked by botocore's validator; the answer is the operation's output,
written by botocore's serializer. A request the model does not accept is answered as AWS answers it (400,
``ValidationException``) and recorded as refused.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from botocore.model import ShapeResolver, StructureShape
from botocore.parsers import RpcV2CBORParser
from botocore.serialize import RpcV2CBORSerializer
from botocore.session import Session
from botocore.validate import ParamValidator

CBOR = "smithy-rpc-v2-cbor"

Answer = Callable[[Mapping[str, Any]], Mapping[str, Any]]
# An RPC v2 error body: its type and message (botocore's parser reads "__type" for the code).
_ERROR_SHAPE = StructureShape(
    "Error",
    {"type": "structure", "members": {"__type": {"shape": "String"}, "message": {"shape": "String"}}},
    ShapeResolver({"String": {"type": "string"}}),
)


@dataclass(frozen=True)
class Call:
    operation: str
    params: Mapping[str, Any]
    error: str | None = None  # why the model refused it


@dataclass
class ApiRecorder:
    service: str
    answers: Mapping[str, Answer] = field(default_factory=dict)  # operation -> the response document
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.model = Session().get_service_model(self.service)
        if self.model.protocol not in ("json", CBOR):
            raise ValueError(f"{self.service}: protocol {self.model.protocol}; the recorder reads json and {CBOR}")
        self._server: ThreadingHTTPServer | None = None

    @property
    def endpoint_url(self) -> str:
        assert self._server is not None, "start it first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle(self, target: str, body: bytes, cbor: bool = False) -> tuple[int, dict[str, Any]]:
        """(status, response document) for one request: ``target`` is ``<target prefix>.<operation>`` (the
        ``X-Amz-Target`` header, or the RPC v2 path's two names); ``cbor``: the body is CBOR."""
        prefix, _, name = target.partition(".")
        if prefix != self.model.metadata.get("targetPrefix") or name not in self.model.operation_names:
            self.calls.append(Call(name or target, {}, f"unknown operation {target!r}"))
            return 400, {"__type": "UnknownOperationException", "message": f"unknown operation {target}"}
        operation = self.model.operation_model(name)
        try:
            if cbor:  # botocore's CBOR reader, given the request as a response to read against the input shape
                params = RpcV2CBORParser().parse(
                    {"status_code": 200, "headers": {}, "body": body}, operation.input_shape
                )
                params.pop("ResponseMetadata", None)
            else:
                params = json.loads(body or b"{}")
        except ValueError:
            self.calls.append(Call(name, {}, "body does not parse"))
            return 400, {"__type": "SerializationException", "message": "body does not parse"}
        report = ParamValidator().validate(params, operation.input_shape)
        if report.has_errors():
            self.calls.append(Call(name, params, report.generate_report()))
            return 400, {"__type": "ValidationException", "message": report.generate_report()}
        self.calls.append(Call(name, params))
        answer = self.answers.get(name)
        return 200, dict(answer(params)) if answer else {}

    def _encoded(self, target: str, document: Mapping[str, Any], cbor: bool) -> bytes:
        if not cbor:
            return json.dumps(document).encode()
        name = target.partition(".")[2]
        if "__type" in document or name not in self.model.operation_names:  # an error: its code in the body
            shape = None
        else:
            shape = self.model.operation_model(name).output_shape
        if shape is None:
            document = {"__type": document.get("__type", ""), "message": document.get("message", "")}
            shape = _ERROR_SHAPE
        # botocore's own CBOR writer: the serializer's body step, as it writes a request's.
        return bytes(RpcV2CBORSerializer()._serialize_body_params(document, shape))

    def start(self) -> ApiRecorder:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path.strip("/").split("/")  # service/<prefix>/operation/<name> under RPC v2
                cbor = len(parts) == 4 and parts[0] == "service" and parts[2] == "operation"
                target = f"{parts[1]}.{parts[3]}" if cbor else self.headers.get("X-Amz-Target", "")
                status, document = recorder.handle(target, body, cbor)
                data = recorder._encoded(target, document, cbor)
                self.send_response(status)
                if cbor:
                    self.send_header("Content-Type", "application/cbor")
                    self.send_header("Smithy-Protocol", "rpc-v2-cbor")
                else:
                    self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ApiRecorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
