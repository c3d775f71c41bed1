"""Multi-concurrency, proven locally: the managed-instances stage's orders function (the session's ``lmi`` synth, its
bundled assets) in one environment the kit runs as Lambda Managed Instances runs it, ``lmi_max_concurrency`` workers
forked by AWS's runtime client, each request served by a free one (``managed`` in conftest.py).

- A race: as many creates of one order id as the environment has workers, at once. In the recorded AWS calls, each
  request's conditional write (found by its trace id): exactly one succeeds, every other fails its condition, and each
  of those requests got the contract's answer (200 with the stored order for the same body, 409 for another). moto's
  server does not serialize conditional writes the way DynamoDB does, so the count of 201s alone proves nothing.
- Per worker: each worker loads the config and the receipt key once for itself (its own caches, its own clients),
  and every receipt verifies against the secret.
- Per invocation: each request's log line and X-Ray segments name that request (its request id, its trace, its order).

The orders code never writes to /tmp (nothing under lambda_src/ or layers/common/ opens a file), so there is no
per-request file name to check here; what the workers share and keep apart (/tmp shared, memory their own) is the
kit's test of the runtime (lambda-kit/tests/test_managed_instances.py).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from lambda_kit.local.emulator import admin_client
from lambda_kit.local.lambda_process import LambdaProcess
from lambda_kit.local.xray_listener import flatten

from orders.receipts import receipt_signature
from tests.integration.events import body_of, order, post
from tests.integration.test_lambda_process import newer_python
from tests.orders_local import REGION, orders_function


def new_id(label: str) -> str:
    return f"lmi-{label}-{uuid.uuid4().hex[:10]}"


def test_the_environment_runs_the_stages_workers(managed, lmi) -> None:
    workers = managed.process.worker_pids()
    assert len(workers) == lmi.config("dev").lmi_max_concurrency == managed.process.workers
    [init_start] = [json.loads(line) for line in managed.process.output() if '"platform.initStart"' in line]
    assert init_start["record"]["initializationType"] == "lambda-managed-instances"


def test_a_race_of_creates_of_one_order_makes_one_conditional_write(managed, aws_calls) -> None:
    order_id = new_id("race")
    bodies = [order(order_id, 1), order(order_id, 2)]  # two clients, each retrying its own body
    events = [post(bodies[n % 2]) for n in range(managed.process.workers)]
    mark = aws_calls.mark()
    served = managed.at_once(events)
    by_trace = {invocation.trace_id: (invocation, event) for invocation, event in zip(served, events, strict=True)}
    writes = [c for c in managed.calls(aws_calls, mark) if c["operation"] == "PutItem" and c["trace_id"] in by_trace]
    outcomes = Counter(c.get("error", "written") for c in writes)
    print(
        f"race of {len(events)} creates of {order_id}: conditional writes {dict(outcomes)}, "
        f"from {len({c['pid'] for c in writes})} workers"
    )
    assert len(writes) == len(events) and {c["params"]["TableName"] for c in writes} == {managed.table}
    assert outcomes == {"written": 1, "ConditionalCheckFailedException": len(events) - 1}
    [won] = [c for c in writes if "error" not in c]
    winner, winning_event = by_trace[won["trace_id"]]
    assert winner.result["statusCode"] == 201
    stored = body_of(winner.result)
    assert stored["items"] == json.loads(winning_event["body"])["items"]
    for lost in (c for c in writes if "error" in c):
        invocation, event = by_trace[lost["trace_id"]]
        if event["body"] == winning_event["body"]:  # the same request again: the stored order, nothing new written
            assert invocation.result["statusCode"] == 200 and body_of(invocation.result) == stored
        else:  # the same id with another body: refused, the stored order kept
            assert invocation.result["statusCode"] == 409
            assert body_of(invocation.result)["error"].startswith("order_id:")
    assert len({c["pid"] for c in writes}) > 1  # the writes raced from several workers


def test_each_worker_loads_its_own_config_and_key_once_and_signs_with_it(managed, aws_calls) -> None:
    created = managed.at_once([post(order(new_id("worker"), n + 1)) for n in range(2 * managed.process.workers)])
    assert {invocation.result["statusCode"] for invocation in created} == {201}
    secret = admin_client(managed.local.moto.endpoint_url, "secretsmanager", region=REGION)
    key = secret.get_secret_value(SecretId=managed.secret_arn)["SecretString"]
    for invocation in created:
        body = body_of(invocation.result)
        assert body["receipt"] == receipt_signature(key, body)
    calls = managed.calls(aws_calls)  # every call since the environment started
    by_worker: dict[int, list[str]] = {}
    for call in calls:
        by_worker.setdefault(call["pid"], []).append(call["operation"])
    print(f"{len(by_worker)} workers made calls: " + ", ".join(f"{Counter(ops)}" for ops in by_worker.values()))
    assert len(by_worker) > 1
    for operations in by_worker.values():
        # Its own config cache and key cache (TTL 300 s): each filled once, by this worker, before its first write.
        assert operations.count("GetObject") == 1 and operations.count("GetSecretValue") == 1
        first_write = operations.index("PutItem")
        assert operations.index("GetObject") < first_write and operations.index("GetSecretValue") < first_write
    # Its clients reached every service they call: no call failed but the race's refused conditional writes.
    assert {c.get("error") for c in calls} <= {None, "ConditionalCheckFailedException"}


def test_log_lines_and_trace_segments_name_their_own_invocation(managed) -> None:
    ids = [new_id("trace") for _ in range(managed.process.workers)]
    served = managed.at_once([post(order(order_id, 1)) for order_id in ids])
    documents = managed.local.xray.documents()
    for order_id, invocation in zip(ids, served, strict=True):
        [line] = [json.loads(line) for line in invocation.logs]
        assert line["request_id"] == invocation.request_id and line["xray_trace_id"] == invocation.trace_id
        assert line["status_code"] == 201 and line["cold_start"] is False  # no request waits for an LMI init
        nodes = flatten([d for d in documents if d.get("trace_id") == invocation.trace_id])
        [validate] = [n for n in nodes if n["name"] == "validate_input"]
        assert validate["annotations"] == {"order_id": order_id}
        [start] = [json.loads(s)["record"] for s in invocation.stream if '"platform.start"' in s]
        lambda_segment = start["tracing"]["spanId"]  # the Parent of the trace header Lambda gave this request
        steps = [n for n in nodes if n["name"] in ("validate_input", "process_order", "save_to_dynamodb")]
        assert len(steps) == 3 and {n["parent_id"] for n in steps} == {lambda_segment}


@pytest.mark.skipif(newer_python() is None, reason="no Python >= 3.13 on this machine")
def test_the_runtime_forks_its_workers_on_a_newer_python_without_deprecation_warnings(stack, runtime_interface_for):
    """awslambdaric forks its workers (multiprocessing's fork context): on the Python Lambda runs LMI functions on
    (3.13 and later), with deprecation warnings as errors, four requests at once are four workers' answers."""
    python = newer_python()
    config = orders_function(TABLE_NAME=stack.table, CONFIG_BUCKET=stack.bucket).managed_instances(4)
    options = {"python": python, "python_flags": ("-W", "error::DeprecationWarning")}
    with LambdaProcess(config, stack.endpoint, runtime_interface=runtime_interface_for(python), **options) as process:
        with ThreadPoolExecutor(4) as requests:
            served = list(requests.map(process.invoke, [post(order(new_id("py"), 1)) for _ in range(4)]))
        workers = set(process.worker_pids())
    assert len(workers) == 4 and all(invocation.result["statusCode"] == 201 for invocation in served)
    assert not [line for line in process.output() if "Warning" in line]
