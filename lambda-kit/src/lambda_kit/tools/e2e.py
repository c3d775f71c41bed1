"""``make e2e STAGE=dev``: the HTTP contract suite (``tests/contract``) against a deployed stage.

    python -m tools.e2e --stage dev [--region R] [--profile P] [PYTEST_ARGS...]

Reads the service stack's outputs (its name from the stage config: project name and stage, as ``cdk synth``
names it): the API URL, and whether the API requires IAM authorization (requests are then signed with
SigV4). The function's ``TABLE_NAME`` lets the suite delete the orders it created. Without AWS credentials
it stops at once with one line, before anything else.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from stacks.naming import OUTPUT_API_URL, OUTPUT_FUNCTION_NAME
from stacks.stage_config import StageConfig
from lambda_kit.tools.api_client import needs_signing
from lambda_kit.tools.aws import ToolError, cdk_project, client, run, session_for, stack_outputs

ROOT = Path(__file__).resolve().parents[1]
# What the suite reads (tests/contract/conftest.py); without CONTRACT_BASE_URL it serves the API locally.
ENV_BASE_URL, ENV_SIGN_REGION, ENV_TABLE, ENV_REGION = (
    "CONTRACT_BASE_URL",
    "CONTRACT_SIGN_REGION",
    "CONTRACT_TABLE_NAME",
    "CONTRACT_REGION",
)


def stage_config(stage: str) -> StageConfig:
    """The stage as ``cdk synth -c stage=STAGE`` sees it (cdk.json's context: project name, region)."""
    return cdk_project().stage(stage)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", choices=list(cdk_project().stages), required=True, help="deployed stage to test")
    parser.add_argument(
        "--region", help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, else the stage's region in the config)"
    )
    parser.add_argument("--profile", help="AWS named profile")
    args, pytest_args = parser.parse_known_args(argv)  # anything else is for pytest (-k, -x, ...)
    config = stage_config(args.stage)
    session = session_for(args)
    region = session.region_name
    credentials = session.get_credentials()
    if credentials is None:
        raise ToolError(
            "no AWS credentials: configure a profile (--profile), environment variables or SSO (aws sso login); "
            "nothing was run"
        )
    stack = config.stack_name("service")
    outputs = stack_outputs(client(session, "cloudformation"), stack)
    if OUTPUT_API_URL not in outputs:
        raise ToolError(
            f"stack {stack} has no output {OUTPUT_API_URL}: deploy it first (make deploy STAGE={args.stage})"
        )
    function = client(session, "lambda").get_function_configuration(FunctionName=outputs[OUTPUT_FUNCTION_NAME])
    env = {
        **os.environ,
        ENV_BASE_URL: outputs[OUTPUT_API_URL],
        ENV_TABLE: function.get("Environment", {}).get("Variables", {}).get("TABLE_NAME", ""),
        ENV_REGION: region,
    }
    if needs_signing(outputs):
        env[ENV_SIGN_REGION] = region
    if args.profile:
        env["AWS_PROFILE"] = args.profile
    print(
        f"contract suite against {outputs[OUTPUT_API_URL]} ({stack}, SigV4: {'yes' if needs_signing(outputs) else 'no'})"
    )
    command = [sys.executable, "-m", "pytest", "tests/contract", "-p", "no:cacheprovider", *pytest_args]
    return subprocess.run(command, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(run(main))
