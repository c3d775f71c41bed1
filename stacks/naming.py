"""Every name the app deploys derives from here, so a fork renames everything with one value.

Pure Python (no aws_cdk import): the operations tools import it to find the stacks cheaply.
"""

from __future__ import annotations

DEFAULT_PROJECT_NAME = "lambda-deep-dive"
STACK_KINDS = ("data", "service", "power-tuning")


def stack_name(project: str, stage: str, kind: str) -> str:
    """CloudFormation stack name, e.g. ``lambda-deep-dive-dev-service``."""
    if kind not in STACK_KINDS:
        raise ValueError(f"unknown stack kind {kind!r}; expected one of {STACK_KINDS}")
    return f"{project}-{stage}-{kind}"


# CloudFormation output keys of the service stack, read by tools/ (``--stack``/``--stage``).
OUTPUT_FUNCTION_NAME = "OrdersFunctionName"
OUTPUT_ALIAS_NAME = "OrdersAliasName"
OUTPUT_ALIAS_ARN = "OrdersAliasArn"
OUTPUT_API_URL = "HttpApiUrl"
OUTPUT_API_INVOKE_POLICY_ARN = "ApiInvokePolicyArn"  # with api_authorization="iam"
# How the stage authorizes API calls (none | iam | jwt); `make e2e` signs requests with SigV4 when it is "iam".
OUTPUT_API_AUTHORIZATION = "ApiAuthorization"
ALIAS_NAME = "production"
