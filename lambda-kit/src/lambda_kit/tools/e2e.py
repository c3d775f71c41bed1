"""``lambda-kit e2e``: the project's HTTP contract suite against a deployed stack's HTTP API.

    lambda-kit e2e --stage dev [--assembly cdk.out] [--region R] [--profile P] [PYTEST_ARGS...]

Reads the cloud assembly for the stack's HTTP API (its routes: are any ``AWS_IAM``? requests are then signed with
SigV4) and for the stack outputs that name the API's URL and its function, then the deployed stack's outputs for
their values, and runs the suite ``[tool.lambda-kit.e2e] tests`` names with pytest, telling it where through
environment variables (``CONTRACT_*``). Without AWS credentials it stops at once with one line, before anything
else.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from lambda_kit import config as kit_config
from lambda_kit.assembly.app_model import HttpApi
from lambda_kit.assembly.cloud_assembly import add_selection_args
from lambda_kit.assembly.intrinsics import Resolver, references
from lambda_kit.tools.aws import ToolError, app_model, client, require_credentials, run, session_for, stack_outputs

# What the suite reads; without CONTRACT_BASE_URL it is the project's to decide what to test (a local front).
ENV_BASE_URL, ENV_SIGN_REGION, ENV_REGION, ENV_FUNCTION = (
    "CONTRACT_BASE_URL",
    "CONTRACT_SIGN_REGION",
    "CONTRACT_REGION",
    "CONTRACT_FUNCTION_NAME",
)


def output_naming(api: HttpApi, logical_id: str) -> str | None:
    """The key of the stack output whose template value refers to resource ``logical_id`` (through a join too)."""
    resolver = Resolver({api.stack.name: api.stack.template})
    for key, output in api.stack.template.get("Outputs", {}).items():
        if (api.stack.name, logical_id) in set(references(resolver, api.stack.name, output.get("Value"))):
            return str(key)
    return None


def signs(api: HttpApi) -> bool:
    return any(route.authorization_type == "AWS_IAM" for route in api.routes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda-kit e2e", description=__doc__.split("\n\n")[0])
    add_selection_args(parser)
    parser.add_argument("--region", help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, else the stack's)")
    parser.add_argument("--profile", help="AWS named profile")
    args, pytest_args = parser.parse_known_args(argv)  # anything else is for pytest (-k, -x, ...)
    require_credentials(args.profile)
    suite = kit_config.load().section("e2e").get("tests")
    if not isinstance(suite, str):
        raise ToolError('no contract suite: name it in [tool.lambda-kit.e2e] tests = "<path>"')
    model = app_model(args)
    if len(model.apis) != 1:
        names = ", ".join(f"{a.stack.name}/{a.logical_id}" for a in model.apis) or "none"
        raise ToolError(f"expected one HTTP API in the selected stacks, found {len(model.apis)} ({names}): use --stack")
    api = model.apis[0]
    url_key = output_naming(api, api.logical_id)
    if url_key is None:
        raise ToolError(f"stack {api.stack.name} has no output naming its HTTP API's URL: add a CfnOutput of it")
    session = session_for(args, api.routes[0].function if api.routes else None)
    outputs = stack_outputs(client(session, "cloudformation"), api.stack.name)
    if url_key not in outputs:
        raise ToolError(f"stack {api.stack.name} has no output {url_key}: deploy it first")
    env = {**os.environ, ENV_BASE_URL: outputs[url_key], ENV_REGION: str(session.region_name)}
    functions = {route.function.logical_id for route in api.routes}
    if len(functions) == 1:
        function_key = output_naming(api, functions.pop())
        if function_key in outputs:
            env[ENV_FUNCTION] = outputs[function_key]
    if signs(api):
        env[ENV_SIGN_REGION] = str(session.region_name)
    if args.profile:
        env["AWS_PROFILE"] = args.profile
    print(f"contract suite against {outputs[url_key]} ({api.stack.name}, SigV4: {'yes' if signs(api) else 'no'})")
    command = [sys.executable, "-m", "pytest", suite, "-p", "no:cacheprovider", *pytest_args]
    return subprocess.run(command, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(run(main))
