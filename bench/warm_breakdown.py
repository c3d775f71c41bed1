"""Where a warm POST of ``orders.handler`` spends its time outside the AWS calls, step by step.

Runs as a handler inside a function process (``python -m local.bench``): the same interpreter, paths,
environment and runtime client as the handler itself, tracing in Lambda mode with a real trace header.
Each step is the function's own code on the same request, repeated ``iterations`` times; the answer is
microseconds per request for each step.
"""

import logging
import sys
import time

from common import tracing
from common.config_cache import TtlCache
from common.http import json_body
from common.logging import setup_logger, start_invocation
from common.responses import json_response
from common.utils import utc_now
from orders.processing import build_order
from orders.receipts import ReceiptSigner
from orders.validation import check_item_count, parse_order_request

tracing.init()  # as orders.handler does at init
logger = setup_logger("orders-breakdown", level=logging.INFO, stream=sys.stdout)


def _us_per_call(step, iterations):
    started = time.perf_counter()
    for _ in range(iterations):
        step()
    return (time.perf_counter() - started) / iterations * 1e6


def lambda_handler(event, context):
    iterations = int(event["iterations"])
    request_event = event["request"]
    request = parse_order_request(json_body(request_event))
    limits = TtlCache(lambda: {"max_items_per_order": 25}, 300)
    order = build_order(request, utc_now())
    signer = ReceiptSigner(TtlCache(lambda: "receipt-key", 300))
    limits.get()
    signer.load_key()

    def validation():
        parsed = parse_order_request(json_body(request_event))
        check_item_count(parsed, 25)
        parsed.fingerprint()

    def log_line():
        start_invocation(context)
        logger.info("request handled", extra={"route": "POST /orders", "status_code": 201, "duration_ms": 1.234})

    def traced_steps():
        with tracing.subsegment("validate_input") as span:
            span.annotate("order_id", request.order_id)
        with tracing.subsegment("process_order") as span:
            span.metadata("result", order.as_body())
        with tracing.subsegment("save_to_dynamodb"):
            pass

    return {
        "tracing_active": tracing.active(),
        "validation": _us_per_call(validation, iterations),
        "config": _us_per_call(limits.get, iterations),
        "processing": _us_per_call(lambda: build_order(request, utc_now()), iterations),
        "receipts": _us_per_call(lambda: signer.sign(order), iterations),
        "response": _us_per_call(lambda: json_response(201, order.as_body()), iterations),
        "logging": _us_per_call(log_line, iterations),
        "tracing": _us_per_call(traced_steps, iterations),
    }
