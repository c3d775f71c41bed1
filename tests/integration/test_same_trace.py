"""Same trace from both tracing backends: the same requests through a fresh Lambda-like environment of each,
the X-Ray SDK's UDP documents and the OpenTelemetry spans (OTLP over UDP, decoded) compared as the X-Ray
console shows them (local/trace_comparison.py). Fails if either backend loses, adds or misplaces a span,
or records a different annotation, metadata or error/fault flag (the SDK's documented quirk aside).

The comparison is printed (`pytest -s`, or `python -m local.trace_comparison`)."""

from __future__ import annotations

import pytest

from tests.integration.trace_comparison import BACKENDS, STEPS, Node, Outcome, run_backend, side_by_side


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
        assert (new_order.status, _names(new_order.tree)) == (201, expected), backend
        validate, process, save = new_order.tree
        assert validate.annotations == {"order_id": "order-0001"}
        assert validate.children[0].aws == "GetObject"
        assert process.metadata == {"result": new_order.body}  # unindexed detail: the order as answered
        assert process.annotations == {}
        assert save.children[0].aws == "PutItem <table>"  # the stage's table, the call as a child
        assert not any(n.flags for n in new_order.tree)


def test_client_errors_are_errors_and_dependency_failures_faults(runs):
    for backend in BACKENDS:
        by_label = dict(zip((s.label for s in STEPS), runs[backend], strict=True))
        bad = by_label["POST /orders, invalid body"]
        assert (bad.status, bad.tree[0].name, bad.tree[0].flags) == (400, "validate_input", ("error",))
        assert bad.tree[0].annotations == {}  # only a valid id is indexed
        unavailable = by_label["POST /orders, config.json unavailable"]
        assert (unavailable.status, unavailable.tree[0].flags) == (503, ("fault",))
        read_back = by_label["GET /orders/{order_id}"]
        assert (read_back.status, _names(read_back.tree), read_back.tree[0].aws) == (
            200,
            ["dynamodb"],
            "GetItem <table>",
        )
