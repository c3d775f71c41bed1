"""The orders service on the kit's local runtime, from its sources (not a synthesized asset): what the integration
and runtime tests run.

- ``provision``: what the data stack creates (the orders table, keyed ``order_id``; the config bucket with
  config/config.json), under names of the test's choosing, on the kit's moto server;
- ``orders_function``: the function as the default stage deploys it (handler, memory, timeout, its tracing backend),
  its task root ``lambda_src/`` and its layers: the common layer's sources and the stage's dependencies layer made of
  this venv's copies of the same pins (``stacks/tracing_backends.py``);
- ``load_event``: a sample event of ``events/`` with an order id of the caller's choosing.

``make serve`` and ``make local`` run the synthesized assets instead (the kit reads cdk.out): the contract tests
check that path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambda_kit.local import sample_events
from lambda_kit.local.emulator import admin_client
from lambda_kit.local.sandbox import FunctionConfig, venv_layer

from stacks.stage_config import DEFAULT_STAGE, build_stage_config
from stacks.tracing_backends import pinned_distributions

ROOT = Path(__file__).resolve().parents[1]
TASK_ROOT = ROOT / "lambda_src"
COMMON_LAYER = ROOT / "layers" / "common" / "python"
CONFIG_FILE = ROOT / "config" / "config.json"
CONFIG_KEY = "config.json"  # the key the data stack deploys config/config.json to
EVENTS = ROOT / "events"
SOURCE_EVENTS = EVENTS / "other_sources"
# Events of other sources the function must refuse (fail the invocation), each with the source its error names:
# sent to one environment (tests/integration) and through Lambda's Invoke API (tests/contract).
OTHER_SOURCES = [
    ("direct_invoke_empty.json", "a direct invoke ({})"),
    ("s3_put.json", "S3"),
    ("sqs.json", "SQS"),
    ("eventbridge.json", "EventBridge"),
    ("apigw_rest_v1.json", "API Gateway with payload format 1.0"),
    ("alb.json", "Application Load Balancer"),
]
HANDLER = "orders.handler.lambda_handler"
STAGE = build_stage_config(DEFAULT_STAGE)
REGION = STAGE.region
DEFAULT_TRACING = STAGE.tracing
TABLE_NAME = "orders"
CONFIG_BUCKET = "orders-config-local"


def function_layers(tracing: str = DEFAULT_TRACING, without_bytecode_in: Path | None = None) -> tuple[Path, ...]:
    """The layers the stage attaches: the common layer, then the ``tracing`` backend's dependencies layer."""
    pins = pinned_distributions(tracing)
    if not pins:
        return (COMMON_LAYER,)
    return (COMMON_LAYER, venv_layer(tracing, list(pins), without_bytecode_in))


def orders_function(**environment: str) -> FunctionConfig:
    """The orders function as the default stage deploys it; ``environment`` on top of its own variables (a
    ``TRACING`` there also picks that backend's dependencies layer, as the stage would)."""
    tracing = environment.get("TRACING", DEFAULT_TRACING)
    return FunctionConfig(
        handler=HANDLER,
        task_root=TASK_ROOT,
        layers=function_layers(tracing),
        name="orders-local",
        memory_mb=STAGE.memory_mb,
        timeout_seconds=STAGE.timeout_seconds,
        region=REGION,
        environment={"TRACING": tracing, **environment},
    )


def load_event(name: str, order_id: str | None = None) -> dict[str, Any]:
    """``events/<name>``; with ``order_id``, the order id in its body or its path set to it."""
    return sample_events.load_event(EVENTS / name, "order_id", order_id)


def provision(
    endpoint_url: str,
    table_name: str = TABLE_NAME,
    bucket: str = CONFIG_BUCKET,
    config_body: bytes | None = None,
    aws_clients: tuple[Any, Any] | None = None,
) -> None:
    """Create what the data stack creates: the orders table (key ``order_id``), the bucket, config.json."""
    s3, dynamodb = aws_clients or clients(endpoint_url)
    dynamodb.create_table(
        TableName=table_name,
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    body = CONFIG_FILE.read_bytes() if config_body is None else config_body
    s3.put_object(Bucket=bucket, Key=CONFIG_KEY, Body=body, ContentType="application/json")


def clients(endpoint_url: str) -> tuple[Any, Any]:
    """(s3, dynamodb) admin clients on the emulator, in the stage's region."""
    return admin_client(endpoint_url, "s3", region=REGION), admin_client(endpoint_url, "dynamodb", region=REGION)
