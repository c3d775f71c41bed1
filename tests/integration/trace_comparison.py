"""Same requests, once per tracing backend: do the X-Ray SDK and OpenTelemetry give the same trace?

    .venv/bin/python -m tests.integration.trace_comparison

Each backend gets a fresh Lambda-like environment (``local.lambda_process`` with ``TRACING`` set to it: its
stage's dependencies layer on ``sys.path``), its own table and bucket on one moto server, and the same five requests
(config unavailable -> 503, new order -> 201, replay -> 200, bad request -> 400, read back -> 200).
The X-Ray SDK's UDP documents are caught by ``XRayListener``, the OpenTelemetry spans by
``OtlpUdpReceiver``; both become the tree the X-Ray console shows under the function segment:

- X-Ray SDK: the subsegments as sent, under the function segment Lambda writes for the invocation (named after the
  function; cold or warm start and the request id, as the local Runtime API ran it).
- OpenTelemetry: the invocation (server) span as that segment's counterpart (its resource's service name, its
  ``faas.coldstart`` and ``faas.invocation_id``), and each span as X-Ray translates it (AWS's OTel-to-X-Ray data model translation,
  the AWS X-Ray exporter's rules): an AWS SDK span (``rpc.system`` = aws-api) is named after
  ``rpc.service`` in namespace ``aws``; ``aws.xray.annotations`` lists the attributes that become
  annotations; ``aws.xray.metadata.default`` holds the ``default`` metadata; an error status is a *fault*
  unless the span carries a 4xx HTTP status (then an *error*; 429 also a *throttle*), and a 5xx is a fault.

Trees are compared after normalizing what differs by nature: ids and times (shape comes from the parent
links; timestamps inside metadata become ``<time>``), the table name (one per run), and the case of AWS
service names (the SDK writes ``dynamodb``, X-Ray names the span ``DynamoDB``). OpenTelemetry's own
semantic-convention attributes (``rpc.*``, ``server.*``) also land in X-Ray's default metadata; only
what the function records through ``common.tracing`` is compared there.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from lambda_kit.local.emulator import MotoServer
from lambda_kit.local.lambda_process import LambdaProcess
from lambda_kit.local.otlp_receiver import OtlpUdpReceiver
from lambda_kit.local.xray_listener import XRayListener, flatten

from tests.orders_local import CONFIG_FILE, CONFIG_KEY, clients, load_event, orders_function, provision

BACKENDS = ("xray-sdk", "otel")
_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)")


@dataclass
class Node:
    """A subsegment as the X-Ray console shows it, normalized for comparison."""

    name: str
    aws: str = ""  # "<operation> <resource>" for an AWS call, "" for the function's own code
    annotations: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)  # the "default" namespace
    flags: tuple[str, ...] = ()  # of "error", "fault", "throttle"
    children: list[Node] = field(default_factory=list)
    invocation: str = ""  # the function segment (or its otel counterpart): "cold|warm start, request <request id>"

    def lines(self, depth: int = 0) -> list[str]:
        parts = [f"{'  ' * depth}{self.name}"]
        if self.invocation:
            parts.append(f"({self.invocation})")
        if self.aws:
            parts.append(f"[{self.aws}]")
        if self.annotations:
            parts.append(f"annotations={json.dumps(self.annotations, sort_keys=True)}")
        if self.metadata:  # keys and a digest of the content keep the columns short; equal digest, equal content
            digest = hashlib.sha256(json.dumps(self.metadata, sort_keys=True).encode()).hexdigest()[:8]
            parts.append(f"metadata={sorted(self.metadata)}#{digest}")
        parts += [flag.upper() for flag in self.flags]
        return [" ".join(parts)] + [line for child in self.children for line in child.lines(depth + 1)]


def _normalize(value: Any, table: str) -> Any:
    text = _ISO_TIME.sub("<time>", json.dumps(value)).replace(table, "<table>")
    return json.loads(text)


def _tree(items: list[tuple[str, str | None, Node, float]]) -> list[Node]:
    """(id, parent id, node, start time) -> the roots: nodes whose parent is not among them (the function
    segment Lambda opened), each with its children in start order."""
    by_id = {item_id: node for item_id, _, node, _ in items}
    roots: list[Node] = []
    for _, parent_id, node, _ in sorted(items, key=lambda item: item[3]):
        (by_id[parent_id].children if parent_id in by_id else roots).append(node)
    return roots


def _flags(error: bool, fault: bool, throttle: bool) -> tuple[str, ...]:
    return tuple(name for name, on in (("error", error), ("fault", fault), ("throttle", throttle)) if on)


@dataclass(frozen=True)
class InvocationFacts:
    """What Lambda's function segment says of an invocation, as the local Runtime API knows it."""

    function: str
    request_id: str
    cold_start: bool

    def describe(self, cold_start: bool, request_id: str) -> str:
        """An invocation's start and request id as a node shows them; the request id normalized when it is this
        invocation's (each backend's run has its own ids)."""
        request = "<request id>" if request_id == self.request_id else request_id
        return f"{'cold' if cold_start else 'warm'} start, request {request}"


def xray_sdk_tree(documents: list[dict[str, Any]], table: str, invocation: InvocationFacts) -> list[Node]:
    """The function segment Lambda writes (the X-Ray SDK joins it from _X_AMZN_TRACE_ID, never sends it) and under
    it the SDK's subsegments."""
    items = []
    for doc in flatten(documents):
        aws = doc.get("aws", {}) if doc.get("namespace") == "aws" else {}
        node = Node(
            name=doc["name"].lower() if aws else doc["name"],
            aws=f"{aws['operation']} {aws.get('table_name', '')}".strip() if aws else "",
            annotations=doc.get("annotations", {}),
            metadata=doc.get("metadata", {}).get("default", {}),
            flags=_flags(bool(doc.get("error")), bool(doc.get("fault")), bool(doc.get("throttle"))),
        )
        items.append((doc["id"], doc.get("parent_id"), node, doc.get("start_time", 0.0)))
    segment = Node(
        name=invocation.function,
        invocation=invocation.describe(invocation.cold_start, invocation.request_id),
        children=_tree(items),
    )
    return [_normalized_node(segment, table)]


def _xray_translation_flags(span: dict[str, Any]) -> tuple[str, ...]:
    attributes = span["attributes"]
    code = attributes.get("http.status_code", attributes.get("http.response.status_code"))
    if isinstance(code, int) and 400 <= code <= 499:
        return _flags(True, False, code == 429)
    if isinstance(code, int) and 500 <= code <= 599:
        return _flags(False, True, False)
    return _flags(False, span["status"] == "ERROR", False)


def otel_tree(spans: list[dict[str, Any]], table: str, invocation: InvocationFacts) -> list[Node]:
    """The invocation (server) span, the function segment's counterpart, named after its resource's service (the
    function), and the spans under it."""
    items = []
    for span in spans:
        attributes = span["attributes"]
        is_aws_call = attributes.get("rpc.system") == "aws-api"
        is_invocation = span["kind"] == "SERVER"
        tables = attributes.get("aws.dynamodb.table_names", [])
        node = Node(
            name=attributes["rpc.service"].lower()
            if is_aws_call
            else span["resource"]["service.name"]
            if is_invocation
            else span["name"],
            aws=f"{attributes['rpc.method']} {tables[0] if len(tables) == 1 else ''}".strip() if is_aws_call else "",
            annotations={key: attributes[key] for key in attributes.get("aws.xray.annotations", [])},
            metadata=json.loads(attributes.get("aws.xray.metadata.default", "{}")),
            flags=_xray_translation_flags(span),
            invocation=invocation.describe(attributes.get("faas.coldstart"), attributes.get("faas.invocation_id", ""))
            if is_invocation
            else "",
        )
        items.append((span["id"], span["parent_id"], node, span["start_time"]))
    return [_normalized_node(n, table) for n in _tree(items)]


def _normalized_node(node: Node, table: str) -> Node:
    return Node(
        name=node.name,
        aws=node.aws.replace(table, "<table>"),
        annotations=_normalize(node.annotations, table),
        metadata=_normalize(node.metadata, table),
        flags=node.flags,
        children=[_normalized_node(child, table) for child in node.children],
        invocation=node.invocation,
    )


@dataclass
class Step:
    label: str
    event: dict[str, Any]
    before: Callable[[Any, str], None] | None = None  # (s3 admin client, bucket): set the scene


def _delete_config(s3: Any, bucket: str) -> None:
    s3.delete_object(Bucket=bucket, Key=CONFIG_KEY)


def _restore_config(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key=CONFIG_KEY, Body=CONFIG_FILE.read_bytes())


STEPS = (
    Step("POST /orders, config.json unavailable", load_event("post_order.json"), before=_delete_config),
    Step("POST /orders, new order", load_event("post_order.json"), before=_restore_config),
    Step("POST /orders, same order again (replay)", load_event("post_order.json")),
    Step("POST /orders, invalid body", load_event("bad_request.json")),
    Step("GET /orders/{order_id}", load_event("get_order.json")),
)


@dataclass
class Outcome:
    label: str
    status: int
    tree: list[Node]
    body: Any = None  # the response body, normalized as the metadata is


def run_backend(backend: str, endpoint: str) -> list[Outcome]:
    """The STEPS through one fresh environment of ``backend``, on a table and bucket of its own."""
    suffix = uuid.uuid4().hex[:10]
    table, bucket = f"orders-{suffix}", f"config-{suffix}"
    s3, dynamodb = clients(endpoint)
    provision(endpoint, table_name=table, bucket=bucket, aws_clients=(s3, dynamodb))
    daemon = XRayListener() if backend == "xray-sdk" else OtlpUdpReceiver()
    to_tree = xray_sdk_tree if backend == "xray-sdk" else otel_tree
    config = orders_function(TABLE_NAME=table, CONFIG_BUCKET=bucket, TRACING=backend)
    invocations = []
    with daemon, LambdaProcess(config, endpoint, daemon.address) as fn:
        for step in STEPS:
            if step.before:
                step.before(s3, bucket)
            invocation = fn.invoke(step.event)
            if invocation.error:
                raise RuntimeError(f"{backend}: {step.label}: {invocation.error}")
            invocations.append(invocation)
        received = daemon.documents()  # waits once for stragglers
        if daemon.bad_datagrams:
            raise RuntimeError(f"{backend}: undecodable datagrams: {daemon.bad_datagrams[:3]}")
    return [
        Outcome(
            step.label,
            invocation.result["statusCode"],
            to_tree(
                [item for item in received if item["trace_id"] == invocation.trace_id],
                table,
                InvocationFacts(config.name, invocation.request_id, cold_start=n == 0),
            ),
            _normalize(json.loads(invocation.result["body"]), table),
        )
        for n, (step, invocation) in enumerate(zip(STEPS, invocations, strict=True))
    ]


def sdk_quirk(sdk: Node, otel: Node) -> bool:
    """The one known difference: the X-Ray SDK's botocore patch calls ``add_exception`` on every ClientError,
    which sets *fault* also for a 4xx (NoSuchKey, ConditionalCheckFailed); X-Ray defines error = 4xx and
    fault = 5xx, and its OpenTelemetry translation follows that."""
    return bool(sdk.aws) and set(sdk.flags) - set(otel.flags) == {"fault"} and "error" in otel.flags


def compare(sdk: list[Node], otel: list[Node], width: int = 78, depth: int = 0) -> tuple[list[str], int, int]:
    """Side-by-side lines, each marked "  " same, "~ " the known SDK quirk, "!=" different; and the counts
    of (different, quirk) nodes. Children are paired in start order; a missing node is a difference."""
    lines: list[str] = []
    different = quirks = 0
    for i in range(max(len(sdk), len(otel))):
        a = sdk[i] if i < len(sdk) else None
        b = otel[i] if i < len(otel) else None
        a_line = a.lines(depth)[0] if a else ""
        b_line = b.lines(depth)[0] if b else ""
        same_node = a is not None and b is not None and replace(a, children=[]) == replace(b, children=[])
        quirk = (
            not same_node
            and a is not None
            and b is not None
            and replace(a, flags=b.flags, children=[]) == replace(b, children=[])
            and sdk_quirk(a, b)
        )
        mark = "  " if same_node else "~ " if quirk else "!="
        different += mark == "!="
        quirks += mark == "~ "
        lines.append(f"  {mark}{a_line:<{width}} | {b_line}")
        child_lines, child_different, child_quirks = compare(
            a.children if a else [], b.children if b else [], width, depth + 1
        )
        lines += child_lines
        different += child_different
        quirks += child_quirks
    return lines, different, quirks


def side_by_side(runs: dict[str, list[Outcome]]) -> tuple[list[str], int]:
    """The comparison as text, and the number of nodes that differ (the known SDK quirk aside)."""
    lines, total = [f"    {BACKENDS[0]:<78} | {BACKENDS[1]}"], 0
    for a, b in zip(runs[BACKENDS[0]], runs[BACKENDS[1]], strict=True):
        tree_lines, different, quirks = compare(a.tree, b.tree)
        different += a.status != b.status
        total += different
        verdict = "same tree" if not different else f"{different} DIFFERENT"
        lines.append(
            f"{a.label} -> {a.status} / {b.status}: {verdict}{f' ({quirks} known SDK quirk)' if quirks else ''}"
        )
        lines += tree_lines
    return lines, total


def main() -> int:
    with MotoServer() as moto:
        runs = {backend: run_backend(backend, moto.endpoint_url) for backend in BACKENDS}
    lines, different = side_by_side(runs)
    print("\n".join(lines))
    print("~ : " + " ".join((sdk_quirk.__doc__ or "").split()))
    verdict = "same trace in both backends" if not different else f"TRACES DIFFER in {different} nodes"
    print(f"{verdict}; reproduce: .venv/bin/python -m {__spec__.name}")
    return 0 if not different else 1


if __name__ == "__main__":
    sys.exit(main())
