"""Every name the app deploys derives from here, so a fork renames everything with one value.

Pure Python (no aws_cdk import): the operations tools import it to find the stacks cheaply.
"""

from __future__ import annotations

from collections.abc import Sequence

from stacks.managed_instances_rules import STRATEGY as MANAGED_INSTANCES

DEFAULT_PROJECT_NAME = "lambda-deep-dive"
STACK_KINDS = ("data", "service", "power-tuning")


def stack_name(project: str, stage: str, kind: str) -> str:
    """CloudFormation stack name, e.g. ``lambda-deep-dive-dev-service``."""
    if kind not in STACK_KINDS:
        raise ValueError(f"unknown stack kind {kind!r}; expected one of {STACK_KINDS}")
    return f"{project}-{stage}-{kind}"


ORDERS_FUNCTION = "orders"  # the example's API function (stacks/service_stack.py): the tools act on it


def function_id(name: str) -> str:
    """An API function's construct id, which starts its resources' logical ids and its outputs: orders -> Orders."""
    return "".join(word.capitalize() for word in name.split("-"))


def function_resource_id(cold_start_strategy: str) -> str:
    """The construct id of an API function's Lambda function inside the function's construct. Lambda fixes a
    function's compute type when it creates it, so a managed-instances function is another resource, with its own
    logical id: a stage that switches strategy replaces the function (docs/cold-starts.md)."""
    return "ManagedFunction" if cold_start_strategy == MANAGED_INSTANCES else "Function"


def per_function_id(function_names: Sequence[str], name: str, what: str) -> str:
    """The id of function ``name``'s resource ``what`` inside a construct all functions share (its alarms, its
    deployment group): the first function's keep the ids they had when the stack had one function (a new id would
    replace them on the next deploy); any other function's start with its construct id."""
    return what if name == function_names[0] else f"{function_id(name)}{what}"


def function_output(name: str, what: str) -> str:
    """The service stack's output key for one API function: ``OrdersFunctionName``, ``OrdersAliasArn``."""
    return f"{function_id(name)}{what}"


# CloudFormation output keys of the service stack, read by tools/ (``--stack``/``--stage``).
OUTPUT_FUNCTION_NAME = function_output(ORDERS_FUNCTION, "FunctionName")
OUTPUT_ALIAS_NAME = function_output(ORDERS_FUNCTION, "AliasName")
OUTPUT_ALIAS_ARN = function_output(ORDERS_FUNCTION, "AliasArn")
OUTPUT_API_URL = "HttpApiUrl"
OUTPUT_API_INVOKE_POLICY_ARN = "ApiInvokePolicyArn"  # with api_authorization="iam"
# How the stage authorizes API calls (none | iam | jwt); `make e2e` signs requests with SigV4 when it is "iam".
OUTPUT_API_AUTHORIZATION = "ApiAuthorization"
ALIAS_NAME = "production"
