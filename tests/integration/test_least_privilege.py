"""Least privilege, measured both ways: every AWS call the function made across this session's integration tests
(recorded through botocore's ``before-parameter-build`` hook in each function process and in-process app:
``LOCAL_AWS_CALL_LOG``) against what the synthesized orders role allows, as IAM evaluates it. A call the role
does not allow fails, and so does a grant no test ever used (Lambda's own log and X-Ray delivery aside).

It runs after every other test of the session (marker ``after_recorded_calls``), and only when the session ran
the whole integration suite: a subset would leave grants unused for no fault of the role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lambda_kit.access.iam_reading import Call, compare

from tests.infra.conftest import STAGES, Synth
from tests.infra.orders_role import ENVIRONMENT, orders_role

HERE = Path(__file__).resolve()
# Each service's call names the one resource the function's environment gives it: in a deployment, the value the
# role is read with (tests/infra/orders_role.py). A function with two tables would need its variable recorded.
DEPLOYED_NAME = {
    ("dynamodb", "TableName"): ENVIRONMENT["TABLE_NAME"],
    ("s3", "Bucket"): ENVIRONMENT["CONFIG_BUCKET"],
    ("secretsmanager", "SecretId"): ENVIRONMENT["RECEIPT_SECRET_ARN"],
}


def as_deployed(record: dict[str, Any]) -> Call:
    call = Call.from_record(record)
    params = {k: DEPLOYED_NAME.get((call.service, k), v) for k, v in call.params.items()}
    return Call(call.service, call.operation, params)


def recorded_calls(aws_calls: Any, request: pytest.FixtureRequest) -> list[Call]:
    ran = {item.path for item in request.session.items}
    missing = sorted(p.name for p in HERE.parent.glob("test_*.py") if p != HERE and p not in ran)
    if missing:
        pytest.skip(f"compares the calls of the whole integration suite; this session did not run {missing}")
    calls = aws_calls.since(0)
    assert calls, "no AWS call recorded: is LOCAL_AWS_CALL_LOG still set for every function process?"
    return [as_deployed(record) for record in calls]


def table(calls: list[Call]) -> str:
    """What the closing note shows: each distinct call (operation on resource) and how often it was made."""
    counts: dict[str, int] = {}
    for call in calls:
        # A DynamoDB call's Key is the item's, not a resource: only the resource-naming parameters are shown.
        named = {k: v for k, v in sorted(call.params.items()) if k != "Key" or call.service == "s3"}
        line = f"{call.service}:{call.operation}  {', '.join(f'{k}={v}' for k, v in named.items())}"
        counts[line] = counts.get(line, 0) + 1
    return "\n".join(f"{n:5}  {line}" for line, n in sorted(counts.items()))


@pytest.mark.after_recorded_calls
@pytest.mark.parametrize("stage", STAGES)
def test_every_recorded_call_is_allowed_and_every_grant_is_used(
    synth: Synth, aws_calls: Any, request: pytest.FixtureRequest, stage: str
) -> None:
    calls = recorded_calls(aws_calls, request)
    not_allowed, never_used = compare(calls, orders_role(synth, stage))
    print(f"recorded calls ({len(calls)}):\n{table(calls)}")
    assert not_allowed == [], (
        f"calls the {stage} role does not allow:\n{table([r.call for r in not_allowed if r.call])}"
    )
    assert never_used == [], f"grants no integration test used in {stage}: {never_used}"
