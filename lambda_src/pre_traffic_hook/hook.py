"""One run of the hook: the smoke cases against the new version, cleanup, and the verdict CodeDeploy waits for.

The verdict is reported whatever happens before it (``finally``): a case that fails, an invoke that raises, a plan
that cannot be read all report ``Failed``; only an event without CodeDeploy's ids cannot be answered. Without a
verdict CodeDeploy would wait an hour for the hook and then fail the deployment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from pre_traffic_hook.lifecycle import FAILED, SUCCEEDED, delete_created, report_status
from pre_traffic_hook.plan import HookPlan
from pre_traffic_hook.smoke import Invoke, run_cases
from pre_traffic_hook.version import version_invoker

# One case's worst time: an API function's timeout is at most 29 s (stacks/stage_config.py, API Gateway's limit), and
# the lambda client's read timeout (handler.py) waits longer than that. A case starts only while this, plus time to
# clean up and report, is left.
INVOKE_READ_TIMEOUT_SECONDS = 35
CASE_ALLOWANCE_MS = (INVOKE_READ_TIMEOUT_SECONDS + 15) * 1000


class Clients(NamedTuple):
    lambda_: Any
    codedeploy: Any
    dynamodb: Any


def run_hook(
    event: Mapping[str, Any],
    environ: Mapping[str, str],
    clients: Clients,
    logger: logging.Logger,
    *,
    now: Callable[[], datetime],
    time_left_ms: Callable[[], float],
    invoker: Callable[[Any, str], Invoke] = version_invoker,
) -> str:
    """Run the hook for CodeDeploy's ``event``; returns the status it reported."""
    deployment_id, execution_id = event["DeploymentId"], event["LifecycleEventHookExecutionId"]
    status, plan = FAILED, None
    try:
        plan = HookPlan.from_env(environ)
        results = run_cases(
            plan.cases,
            invoker(clients.lambda_, plan.version_arn),
            smoke_id=plan.smoke_id(deployment_id),
            budget_ms=plan.budget_ms,
            now=now,
            time_left_ms=time_left_ms,
            case_allowance_ms=CASE_ALLOWANCE_MS,
        )
        for result in results:
            fields = {**result._asdict(), "version": plan.version_arn}
            if result.passed:
                logger.info("smoke case passed", extra=fields)
            else:
                logger.error("smoke case failed", extra=fields)
        failed = [result.case for result in results if not result.passed]
        status = SUCCEEDED if results and not failed else FAILED
        summary = {"cases": len(results), "failed": failed, "version": plan.version_arn}
        logger.log(logging.INFO if status == SUCCEEDED else logging.ERROR, f"smoke cases: {status}", extra=summary)
    except Exception:
        logger.error("the smoke cases could not run", exc_info=True)
    finally:
        if plan is not None:
            delete_created(clients.dynamodb, plan.created, plan.smoke_id(deployment_id), logger)
        report_status(clients.codedeploy, deployment_id, execution_id, status, logger)
    return status
