"""Lambda entry point: ``pre_traffic_hook.handler.lambda_handler``, CodeDeploy's BeforeAllowTraffic hook of one API
function. It sends the function's smoke cases to the new version, deletes what they created and reports Succeeded or
Failed to CodeDeploy; CodeDeploy shifts traffic only after Succeeded.

Clients are built once per environment. botocore reads ``AWS_ENDPOINT_URL_LAMBDA``, ``AWS_ENDPOINT_URL_CODEDEPLOY``
and ``AWS_ENDPOINT_URL_DYNAMODB`` (or ``AWS_ENDPOINT_URL``) itself: a local Invoke API and a local CodeDeploy endpoint
stand in for AWS without a code change.
"""

from __future__ import annotations

import os
from typing import Any

from botocore.config import Config
from botocore.session import Session

from common.logging import setup_logger, start_invocation
from common.utils import utc_now
from pre_traffic_hook.hook import INVOKE_READ_TIMEOUT_SECONDS, Clients, run_hook

logger = setup_logger("pre_traffic_hook")
# Standard retries: throttling and transient errors, 3 attempts in all.
_RETRIES: Any = {"mode": "standard", "total_max_attempts": 3}
_session = Session()
clients = Clients(
    lambda_=_session.create_client(
        "lambda", config=Config(retries=_RETRIES, connect_timeout=5, read_timeout=INVOKE_READ_TIMEOUT_SECONDS)
    ),
    codedeploy=_session.create_client("codedeploy", config=Config(retries=_RETRIES)),
    dynamodb=_session.create_client("dynamodb", config=Config(retries=_RETRIES)),
)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    start_invocation(context)
    status = run_hook(
        event, os.environ, clients, logger, now=utc_now, time_left_ms=context.get_remaining_time_in_millis
    )
    return {"status": status}
