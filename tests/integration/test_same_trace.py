"""Same trace from both tracing backends: the same requests through a fresh Lambda-like environment of each,
the X-Ray SDK's UDP documents and the OpenTelemetry spans (OTLP over UDP, decoded) compared as the X-Ray
console shows them (local/trace_comparison.py). Fails if either backend loses, adds or misplaces a span,
or records a different annotation, metadata or error/fault flag (the SDK's documented quirk aside).

The comparison is printed (`pytest -s`, or `python -m local.trace_comparison`)."""

from __future__ import annotations

import pytest

from tests.integration.trace_comparison import BACKENDS, STEPS, Node, Outcome, run_backend, side_by_side
from tests.orders_local import orders_function


@pytest.fixture(scope="module")
def runs(moto_server) -> dict[str, list[Outcome]]:
    return {backend: run_backend(backend, moto_server.endpoint_url) for backend in BACKENDS}


def test_both_backends_give_the_same_trace(runs):
    lines, different = side_by_side(runs)
    print("\n" + "\n".join(lines))
    assert different == 0, "\n".join(lines)
    # The one known difference, exactly where a 4xx came back from AWS (NoSuchKey, ConditionalCheckFailed).
    assert sum(line.startswith("  ~ ") for line in lines) == 2


def _names(nodes: list[Node]) -> list[object]:
    return [(n.name, _names(n.children)) if n.children else n.name for n in nodes]


def test_the_trace_has_every_step_and_aws_call_where_it_belongs(runs):
    # Guards against both backends losing the same span: the expected tree, written out.
    expected = [
        ("validate_input", ["s3"]),  # the config read happens while validating
        "process_order",
        ("save_to_dynamodb", ["dynamodb"]),
    ]
    for backend in BACKENDS:
        new_order = runs[backend][1]
        [function] = new_order.tree  # the function segment (X-Ray SDK), the invocation span (otel)
        assert (new_order.status, function.name, _names(function.children)) == (
            201,
            orders_function().name,
            expected,
        ), backend
        validate, process, save = function.children
        assert validate.annotations == {"order_id": "order-0001"}
        assert validate.children[0].aws == "GetObject"
        assert process.metadata == {"result": new_order.body}  # unindexed detail: the order as answered
        assert process.annotations == {}
        assert save.children[0].aws == "PutItem <table>"  # the stage's table, the call as a child
        assert not any(n.flags for n in [function, *function.children])


def test_client_errors_are_errors_and_dependency_failures_faults(runs):
    for backend in BACKENDS:
        by_label = {s.label: outcome.tree[0] for s, outcome in zip(STEPS, runs[backend], strict=True)}
        statuses = {s.label: outcome.status for s, outcome in zip(STEPS, runs[backend], strict=True)}
        bad = by_label["POST /orders, invalid body"].children[0]
        assert (statuses["POST /orders, invalid body"], bad.name, bad.flags) == (400, "validate_input", ("error",))
        assert bad.annotations == {}  # only a valid id is indexed
        unavailable = by_label["POST /orders, config.json unavailable"].children[0]
        assert (statuses["POST /orders, config.json unavailable"], unavailable.flags) == (503, ("fault",))
        read_back = by_label["GET /orders/{order_id}"]
        assert (statuses["GET /orders/{order_id}"], _names(read_back.children), read_back.children[0].aws) == (
            200,
            ["dynamodb"],
            "GetItem <table>",
        )
        # A handled 4xx or 5xx is the function's answer, not its failure: no flag on the function segment (Lambda's)
        # nor on its otel counterpart.
        assert not any(function.flags for function in by_label.values())


def test_the_invocation_span_carries_what_lambdas_function_segment_says(runs):
    # Lambda's function segment names the function and each invocation's request; the first of a fresh environment
    # is a cold start. The otel invocation span says the same through service.name, faas.invocation_id and
    # faas.coldstart (compared node by node in test_both_backends_give_the_same_trace; written out here).
    for backend in BACKENDS:
        functions = [outcome.tree[0] for outcome in runs[backend]]
        assert {function.name for function in functions} == {orders_function().name}, backend
        assert [function.invocation for function in functions] == [
            "cold start, request <request id>",
            *["warm start, request <request id>"] * (len(STEPS) - 1),
        ], backend
