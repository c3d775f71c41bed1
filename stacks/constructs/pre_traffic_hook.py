"""One API function's pre-traffic hook: the function CodeDeploy invokes before it shifts any traffic to a new version
(``BeforeAllowTraffic``). It sends the function's smoke cases (``lambda_src/<package>/smoke_cases.py``) to that
version, deletes what they created and reports Succeeded or Failed (``lambda_src/pre_traffic_hook``). A canary can
then no longer pass for want of traffic: every route is called before any user's request is.

Every hook runs the same code asset; what differs is its environment (the version, the cases, the budget) and its
role, which may do three things and nothing else: invoke this function's new version (its ARN, not the function's),
report to this function's deployment group (CDK's ``add_pre_hook`` grant), and delete the items its cases create, by
keys under the reserved prefix only (``dynamodb:LeadingKeys``).
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as _lambda
from constructs import Construct

from stacks.constructs.api_function import ApiFunction, logs_and_role, package_code
from stacks.constructs.function_runtime import ARCHITECTURES, RUNTIME
from stacks.data_resources import DataResources, Table
from stacks.function_routes import FUNCTIONS_DIR
from stacks.guard import acknowledge_guard_findings
from stacks.nag import acknowledge
from stacks.policy_acknowledgments import HOOK
from stacks.smoke_cases import SMOKE_ID_PREFIX
from stacks.stage_config import StageConfig

HOOK_PACKAGE = FUNCTIONS_DIR / "pre_traffic_hook"
HOOK_HANDLER = "pre_traffic_hook.handler.lambda_handler"
# Cases run one after the other, each bounded by the function's timeout; the hook stops starting cases well before
# this (pre_traffic_hook.hook.CASE_ALLOWANCE_MS) so that it always reports.
HOOK_TIMEOUT = cdk.Duration.minutes(5)
# Lambda allows 4 KB for all of a function's environment variables; the cases leave room for the others.
SMOKE_CASES_MAX_BYTES = 3072


class PreTrafficHook(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: ApiFunction,
        config: StageConfig,
        data: DataResources,
        common_layer: _lambda.ILayerVersion,
    ) -> None:
        super().__init__(scope, construct_id)
        spec, smoke = function.spec, function.spec.smoke
        where = f"API function {spec.name!r}: smoke_cases.py"
        if smoke.latency_budget_ms >= config.timeout_seconds * 1000:
            raise ValueError(
                f"{where}: LATENCY_BUDGET_MS={smoke.latency_budget_ms} is not allowed: less than the stage's "
                f"timeout_seconds={config.timeout_seconds} ({config.stage!r}), or a case could never be over budget"
            )
        cases = json.dumps([case.as_json() for case in smoke.cases], separators=(",", ":"))
        if len(cases.encode()) > SMOKE_CASES_MAX_BYTES:
            raise ValueError(
                f"{where}: CASES take {len(cases.encode())} bytes of the hook's environment, more than "
                f"{SMOKE_CASES_MAX_BYTES} (Lambda allows 4 KB for all its variables): fewer or smaller cases"
            )
        version = function.function.current_version
        tables = [(item, _table(data, item.data, where)) for item in smoke.created]
        self.log_group, self.role = logs_and_role(
            self, config, f"{spec.name} pre-traffic hook ({config.stage}): invoke the new version, report, clean up"
        )
        self.function = _lambda.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURES[config.architecture],
            handler=HOOK_HANDLER,
            code=package_code(HOOK_PACKAGE),
            memory_size=256,
            timeout=HOOK_TIMEOUT,
            role=self.role,
            tracing=_lambda.Tracing.DISABLED,
            layers=[common_layer],  # JSON logging
            log_group=self.log_group,
            logging_format=_lambda.LoggingFormat.TEXT,  # as the API functions: the common layer writes JSON lines
            # CodeDeploy invokes the hook asynchronously; a retry would run the cases twice (the second create then
            # answers 200, not 201) and report a second time.
            retry_attempts=0,
            environment={
                "TARGET_VERSION_ARN": version.function_arn,
                "SMOKE_CASES": cases,
                "LATENCY_BUDGET_MS": str(smoke.latency_budget_ms),
                "SMOKE_ID_PREFIX": SMOKE_ID_PREFIX,
                "SMOKE_CLEANUP": cdk.Stack.of(self).to_json_string(
                    [{"table": table.table.table_name, "key": item.key, "value": item.value} for item, table in tables]
                ),
                "LOG_LEVEL": config.log_level,
            },
            description=f"{spec.name} pre-traffic hook: smoke cases against each new version ({config.stage})",
        )
        # Exactly the version this deploy published: Invoke of a version is authorized against its ARN.
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[version.function_arn])
        )
        for _, table in tables:
            self.role.add_to_policy(
                iam.PolicyStatement(
                    actions=["dynamodb:DeleteItem"],
                    resources=[table.table.table_arn],
                    # Every partition key the request names starts with the prefix (a DeleteItem names one).
                    conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{SMOKE_ID_PREFIX}*"]}},
                )
            )
        # CloudFormation updates the hook (its environment names the new version) before the alias, whose update
        # starts the deployment that invokes it.
        function.deploy_after(self.function)
        self._acknowledge()
        acknowledge_guard_findings(self, config, HOOK)

    def _acknowledge(self) -> None:
        acknowledge(
            self.function,
            "The hook runs once per deployment and logs every case; the version it invokes is traced itself. No "
            "tracer ships in the hook (and no X-Ray permission in its role).",
            "Serverless::Serverless-LambdaTracing",
        )
        acknowledge(
            self.function,
            "CodeDeploy invokes the hook asynchronously, retry_attempts=0. A failed invocation leaves the lifecycle "
            "event without a verdict: CodeDeploy fails the deployment when its hook deadline passes; a DLQ message "
            "would decide nothing.",
            "Serverless::Serverless-LambdaDLQ",
            "Serverless::Serverless-LambdaAsyncFailureDestination",
        )


def _table(data: DataResources, name: str, where: str) -> Table:
    resource = data.named(name)
    if not isinstance(resource, Table):
        raise ValueError(f"{where}: CREATED names {name!r}, which is no table: the hook deletes items by key")
    return resource
