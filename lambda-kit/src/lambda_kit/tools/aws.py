"""AWS plumbing shared by the tools: session/clients, CLI target flags, stack-output resolution,
update waiting, invoking with the log tail, and turning AWS errors into one clear line.

A deployed function is found through the cloud assembly (``lambda_kit.assembly``): its stack (``--stack`` globs,
or ``--stage`` through the project's ``[tool.lambda-kit] stage-stacks`` pattern), the function (``--function``,
default the one behind the HTTP API), its region (the stack's environment), and the stack output whose value names
it, read from the deployed stack. The tools never import the app's code, nor aws_cdk.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambda_kit import config as kit_config
from lambda_kit.assembly.app_model import AppModel, Function
from lambda_kit.assembly.cloud_assembly import AssemblyError, add_selection_args, selected_stacks
from lambda_kit.local.sample_events import load_event
from lambda_kit.tools.report_parser import Report, ReportNotFound, parse_log_result

if TYPE_CHECKING:  # type-only: the service stubs (mypy-boto3-*) are dev dependencies, boto3 is untyped
    import boto3
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_lambda import LambdaClient

LATEST = "$LATEST"

THROTTLE_CODES = {
    "TooManyRequestsException",
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestLimitExceeded",
}
CREDENTIAL_CODES = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
}


class ToolError(Exception):
    """A failure to report to the user as one line (exit status 1)."""


# ---------------------------------------------------------------- session and clients


def default_payload() -> bytes:
    """What the tools send by default: the project's ``[tool.lambda-kit] payload`` sample event, its id field set to
    one that exists nowhere (this project's: a read of an unknown order, so every invocation runs the same path and
    writes nothing)."""
    config = kit_config.load()
    name = config.value("payload")
    if name is None:
        raise ToolError("no payload: pass --payload FILE, or name a sample event in [tool.lambda-kit] payload")
    return json.dumps(load_event(config.events / str(name), config.id_field, "bench-1")).encode()


def app_model(args: argparse.Namespace) -> AppModel:
    """The selected stacks of ``--assembly`` (``--stage``/``--stack``)."""
    try:
        return AppModel(*selected_stacks(args))
    except (AssemblyError, kit_config.ConfigError) as error:
        raise ToolError(str(error)) from error


def resolve_region(region: str | None, stack_region: str | None = None) -> str | None:
    """``--region``, then AWS_REGION, then AWS_DEFAULT_REGION, then the region the stack deploys to."""
    return region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or stack_region


def make_session(region: str | None = None, profile: str | None = None) -> boto3.Session:
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        # botocore reads AWS_DEFAULT_REGION and the profile's region, not AWS_REGION (what the AWS CLI v2 and
        # the SDKs of other languages read first).
        session = boto3.Session(region_name=region or os.environ.get("AWS_REGION"), profile_name=profile)
    except ProfileNotFound as exc:
        raise ToolError(f"AWS profile not found: {exc}") from exc
    if not session.region_name:
        raise ToolError("no AWS region: pass --region or set AWS_REGION / AWS_DEFAULT_REGION")
    return session


def session_for(args: argparse.Namespace, function: Function | None = None) -> boto3.Session:
    """The session for a tool's ``--region``/``--profile`` and target function (its stack's region)."""
    return make_session(resolve_region(args.region, function.stack.region if function else None), args.profile)


def client(session: boto3.Session, service: str) -> Any:
    from botocore.config import Config

    # Standard retry mode retries throttling with backoff; a tool run then fails only if it persists.
    return session.client(service, config=Config(retries={"mode": "standard", "max_attempts": 5}))


# ---------------------------------------------------------------- CLI arguments


def add_common_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("AWS")
    g.add_argument("--region", help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, else the stack's region)")
    g.add_argument("--profile", help="AWS named profile")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of tables")


def add_target_args(parser: argparse.ArgumentParser, *, with_alias: bool = True) -> None:
    g = parser.add_argument_group("target (a deployed function's name, or its stack and function in the assembly)")
    g.add_argument("--function-name", metavar="NAME", help="deployed Lambda function name or ARN (no assembly read)")
    add_selection_args(g)
    g.add_argument("--function", metavar="NAME", help="construct path or logical id (default: the API's function)")
    if with_alias:
        g.add_argument("--alias", metavar="NAME", help="alias to measure (default: the function's one alias)")


@dataclass(frozen=True)
class Target:
    function_name: str
    alias: str | None
    stack: str | None = None
    function: Function | None = None  # as the assembly describes it


def require_credentials(profile: str | None) -> None:
    """Stop in one line, before reading anything, when no AWS credentials resolve."""
    from lambda_kit.tools.credentials import missing

    problem = missing(profile)
    if problem is not None:
        raise ToolError(problem)


def target_function(args: argparse.Namespace) -> Function | None:
    """The assembly's function the flags name; None with ``--function-name``. Credentials come first: without
    them a deployed-stage tool has nothing to do, and says so before anything else."""
    require_credentials(args.profile)
    if args.function_name:
        return None
    try:
        return app_model(args).find(args.function)
    except (AssemblyError, ToolError) as error:
        raise ToolError(f"{error} (or name the deployed function: --function-name NAME)") from error


def resolve_target(
    cfn_client: CloudFormationClient | None,
    function: Function | None,
    *,
    function_name: str | None = None,
    alias: str | None = None,
) -> Target:
    """``function_name`` wins; otherwise the deployed stack's output whose template value names ``function``."""
    if function_name:
        return Target(function_name=function_name, alias=alias)
    if function is None or cfn_client is None:
        raise TypeError("resolve_target needs the assembly's function and a CloudFormation client")
    stack = function.stack
    keys = [
        key
        for key, output in stack.template.get("Outputs", {}).items()
        if output.get("Value") == {"Ref": function.logical_id}
    ]
    if not keys:
        raise ToolError(
            f"stack {stack.name} has no output naming {function.label} ({{Ref: {function.logical_id}}}): "
            "add a CfnOutput of its function_name, or pass --function-name"
        )
    outputs = stack_outputs(cfn_client, stack.name)
    if keys[0] not in outputs:
        raise ToolError(f"stack {stack.name} has no output {keys[0]}: deploy it first")
    aliases = [a.name for a in function.aliases]
    return Target(
        function_name=outputs[keys[0]],
        alias=alias or (aliases[0] if len(aliases) == 1 else None),
        stack=stack.name,
        function=function,
    )


def stack_outputs(cfn_client: CloudFormationClient, stack: str) -> dict[str, str]:
    from botocore.exceptions import ClientError

    try:
        resp = cfn_client.describe_stacks(StackName=stack)
    except ClientError as exc:
        if exc.response["Error"].get("Code") == "ValidationError" and "does not exist" in str(exc):
            raise ToolError(f"stack not found: {stack} (deployed in this account/region?)") from exc
        raise
    stacks = resp.get("Stacks", [])
    if not stacks:
        raise ToolError(f"stack not found: {stack}")
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def load_payload(path: str | None) -> bytes:
    if path is None:
        return default_payload()
    try:
        text = Path(path).read_text(encoding="utf-8")
        json.loads(text)
    except OSError as exc:
        raise ToolError(f"cannot read payload file {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ToolError(f"payload file {path} is not JSON: {exc}") from exc
    return text.encode()


# ---------------------------------------------------------------- Lambda helpers


def wait_updated(
    lambda_client: LambdaClient, function_name: str, *, delay: float = 1.0, max_attempts: int = 300
) -> None:
    """Block until LastUpdateStatus is Successful (botocore's ``function_updated_v2`` waiter: GetFunction)."""
    from botocore.exceptions import WaiterError

    waiter = lambda_client.get_waiter("function_updated_v2")
    try:
        # botocore sleeps for Delay seconds as given (a float works); the stubs type it int.
        waiter.wait(
            FunctionName=function_name,
            WaiterConfig={"Delay": delay, "MaxAttempts": max_attempts},  # type: ignore[typeddict-item]
        )
    except WaiterError as exc:
        last = exc.last_response or {}
        if "Error" in last:  # an API error while polling: surface it as such
            from botocore.exceptions import ClientError

            raise ClientError(last, "GetFunction") from exc
        reason = last.get("Configuration", {}).get("LastUpdateStatusReason", "")
        raise ToolError(f"update of {function_name} did not succeed ({exc}) {reason}".strip()) from exc


@dataclass(frozen=True)
class InvokeResult:
    qualifier: str
    client_ms: float
    status_code: int
    function_error: str | None
    report: Report | None
    report_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "qualifier": self.qualifier,
            "client_ms": self.client_ms,
            "status_code": self.status_code,
            "function_error": self.function_error,
            "report": self.report.to_dict() if self.report else None,
            "report_error": self.report_error,
        }


def invoke_with_tail(
    lambda_client: LambdaClient,
    function_name: str,
    qualifier: str,
    payload: bytes,
    clock: Callable[[], float] = time.perf_counter,
) -> InvokeResult:
    """Synchronous invoke with ``LogType=Tail``; ``client_ms`` is the round trip seen by this client."""
    start = clock()
    resp = lambda_client.invoke(
        FunctionName=function_name,
        Qualifier=qualifier,
        InvocationType="RequestResponse",
        LogType="Tail",
        Payload=payload,
    )
    body = resp.get("Payload")
    if body is not None:
        body.read()  # the round trip includes reading the response
    client_ms = (clock() - start) * 1000
    report, report_error = None, None
    try:
        report = parse_log_result(resp.get("LogResult", ""))
    except (ReportNotFound, ValueError) as exc:
        report_error = str(exc)
    return InvokeResult(
        qualifier=qualifier,
        client_ms=client_ms,
        status_code=resp.get("StatusCode", 0),
        function_error=resp.get("FunctionError"),
        report=report,
        report_error=report_error,
    )


# ---------------------------------------------------------------- errors and exit codes


def describe_error(exc: BaseException, function_name: str | None = None) -> str:
    """One line for the user, for the AWS errors people actually hit."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    if isinstance(exc, ToolError):
        return str(exc)
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return "no AWS credentials: configure a profile (--profile), environment variables or SSO (aws sso login)"
    if isinstance(exc, NoRegionError):
        return "no AWS region: pass --region or set AWS_REGION"
    if isinstance(exc, EndpointConnectionError):
        return f"cannot reach AWS: {exc}"
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code, message = err.get("Code", ""), err.get("Message", "")
        op = getattr(exc, "operation_name", "")
        if code == "ResourceNotFoundException":
            what = f"function {function_name}" if function_name else "resource"
            return f"{what} not found ({op}): {message}"
        if code in THROTTLE_CODES:
            return f"throttled by AWS ({op}: {code}) even after retries: lower the request rate (serial runs, fewer samples) and retry later"
        if code in CREDENTIAL_CODES:
            return f"AWS rejected the credentials ({code}): refresh them (aws sso login / new session) and retry"
        if code in ("AccessDeniedException", "AccessDenied"):
            return f"access denied for {op}: {message}"
        if code == "ResourceConflictException":
            return f"the function is being updated by someone else ({op}): {message}"
        return f"{op} failed: {code}: {message}"
    return f"{type(exc).__name__}: {exc}"


def run(main: Callable[[list[str] | None], int | None], argv: list[str] | None = None) -> int:
    """Run a tool's main, mapping failures to a message on stderr and a non-zero exit status."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return main(argv) or 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ToolError, ClientError, BotoCoreError) as exc:
        print(f"error: {describe_error(exc)}", file=sys.stderr)
        return 1
    except kit_config.ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
