"""A local endpoint for an AWS API moto lacks: a real botocore client talks to it; each request is parsed with
botocore's service model, recorded, and answered with the operation's output."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from botocore.session import Session

from lambda_kit.local.api_recorder import ApiRecorder, Call
from lambda_kit.local.emulator import admin_client


def codedeploy(endpoint: str) -> Any:
    return admin_client(endpoint, "codedeploy")


def test_a_real_client_call_is_recorded_and_answered() -> None:
    answers = {
        "PutLifecycleEventHookExecutionStatus": lambda p: {
            "lifecycleEventHookExecutionId": p["lifecycleEventHookExecutionId"]
        }
    }
    with ApiRecorder("codedeploy", answers) as recorder:
        answer = codedeploy(recorder.endpoint_url).put_lifecycle_event_hook_execution_status(
            deploymentId="d-ABCDEF123", lifecycleEventHookExecutionId="e-1", status="Succeeded"
        )
    assert answer["lifecycleEventHookExecutionId"] == "e-1"
    assert recorder.calls == [
        Call(
            "PutLifecycleEventHookExecutionStatus",
            {"deploymentId": "d-ABCDEF123", "lifecycleEventHookExecutionId": "e-1", "status": "Succeeded"},
        )
    ]


def test_what_the_model_refuses_is_a_400_and_recorded_as_refused() -> None:
    with ApiRecorder("codedeploy") as recorder:
        status, document = recorder.handle(
            "CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus",
            b'{"deploymentId": 7, "colour": "red"}',
            cbor=False,
        )
        unknown, _ = recorder.handle("CodeDeploy_20141006.Frobnicate", b"{}")
    assert status == 400 and document["__type"] == "ValidationException"
    assert "Invalid type for parameter deploymentId" in recorder.calls[0].error  # type: ignore[operator]
    assert 'Unknown parameter in input: "colour"' in recorder.calls[0].error  # type: ignore[operator]
    assert unknown == 400 and recorder.calls[1].error == "unknown operation 'CodeDeploy_20141006.Frobnicate'"


def test_a_client_refuses_before_sending_what_the_model_forbids() -> None:
    """The same model on both sides: botocore's client validates too, so the recorder sees only what a real client
    would send (a refused request above was written by hand)."""
    with ApiRecorder("codedeploy") as recorder, pytest.raises(ParamValidationError):
        codedeploy(recorder.endpoint_url).put_lifecycle_event_hook_execution_status(status=3)
    assert recorder.calls == []


def test_only_the_rpc_protocols() -> None:
    with pytest.raises(ValueError, match="s3: protocol rest-xml; the recorder reads json and smithy-rpc-v2-cbor"):
        ApiRecorder("s3")


def test_a_json_protocol_service_too() -> None:
    """DynamoDB speaks `json` (X-Amz-Target): the same recorder reads it."""
    with ApiRecorder("dynamodb", {"DescribeLimits": lambda _: {"AccountMaxReadCapacityUnits": 40000}}) as recorder:
        client = admin_client(recorder.endpoint_url, "dynamodb")
        assert client.describe_limits()["AccountMaxReadCapacityUnits"] == 40000
    assert recorder.calls == [Call("DescribeLimits", {})]


def test_an_error_answer_reaches_the_client_as_a_client_error() -> None:
    with ApiRecorder("codedeploy") as recorder:
        client = codedeploy(recorder.endpoint_url)
        with pytest.raises(ClientError, match="UnknownOperationException"):
            recorder.model = Session().get_service_model("codedeploy")
            recorder.model.metadata["targetPrefix"] = "Other"  # the recorder now knows no operation of this client
            client.list_applications()
