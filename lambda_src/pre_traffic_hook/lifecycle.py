"""The hook's calls besides invoking the version: deleting what the smoke cases created, and telling CodeDeploy
whether the new version may take traffic (``PutLifecycleEventHookExecutionStatus``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from pre_traffic_hook.smoke import filled

SUCCEEDED, FAILED = "Succeeded", "Failed"


def delete_created(client: Any, items: Sequence[Mapping[str, str]], smoke_id: str, logger: logging.Logger) -> None:
    """Delete each item the cases created (``{"table", "key", "value"}``, ``{smoke_id}`` in the value); a failure is
    logged and the next item still deleted: the items' one-day expiry is the backstop."""
    for item in items:
        key = filled(item["value"], smoke_id)
        fields = {"table": item["table"], "key": {item["key"]: key}}
        try:
            client.delete_item(TableName=item["table"], Key={item["key"]: {"S": key}})
        except Exception:
            logger.error("smoke data not deleted: it expires within a day", exc_info=True, extra=fields)
        else:
            logger.info("smoke data deleted", extra=fields)


def report_status(client: Any, deployment_id: str, execution_id: str, status: str, logger: logging.Logger) -> None:
    """Tell CodeDeploy the hook's verdict. CodeDeploy refuses a second verdict for the same hook execution (it already
    timed out or was stopped): that is logged, not raised, since nothing is left to decide."""
    try:
        client.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment_id, lifecycleEventHookExecutionId=execution_id, status=status
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "LifecycleEventAlreadyCompletedException":
            raise
        logger.warning("CodeDeploy had already closed this hook execution", extra={"status": status})
        return
    logger.info("reported to CodeDeploy", extra={"deployment_id": deployment_id, "status": status})
