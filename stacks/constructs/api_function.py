"""One function behind the HTTP API: what differs between functions is its spec (code, handler, routes, the data
it uses); everything else comes from the stage. The construct owns the function's log group, its role with
exactly the grants its data access needs, tracing, the shared layers, the version and the ``production`` alias
with the stage's cold-start strategy (provisioned concurrency and its autoscaling, SnapStart, or the stage's capacity
provider with its versions' environments), the reserved concurrency, and the cdk-nag and Guard acknowledgments that
hold for every function.

A second function is a second spec in ``stacks/service_stack.py``'s ``FUNCTIONS``; the HTTP API, monitoring and
safe deployments take every function of that list."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as _lambda
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks import naming
from stacks.constructs.common_layer import ASSET_EXCLUDES
from stacks.constructs.function_runtime import ARCHITECTURES, RUNTIME
from stacks.constructs.log_retention import stage_log_group
from stacks.constructs.pc_autoscaling import ProvisionedConcurrencyAutoscaling
from stacks.data_resources import WRITE, Access, DataResources, access_problem, actions_for
from stacks.function_routes import declared_routes
from stacks.guard import acknowledge_guard_findings
from stacks.nag import acknowledge
from stacks.naming import ALIAS_NAME, function_id, function_resource_id
from stacks.policy_acknowledgments import FUNCTION
from stacks.smoke_cases import SmokeDeclaration, declared_smoke
from stacks.stage_config import StageConfig

if TYPE_CHECKING:
    from stacks.constructs.managed_instances import ManagedInstances

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class ApiFunctionSpec:
    name: str  # lowercase words joined by '-' ("orders"): its construct id is "Orders", its outputs "Orders..."
    code: Path  # the function's package (lambda_src/orders): its asset holds this directory and nothing beside it
    handler: str  # inside the package: "orders.handler.lambda_handler"
    data_access: Mapping[str, Access]  # a DataResources field -> the access the code needs (role and environment)
    description: str  # "orders API": the function's description is this and the stage

    def __post_init__(self) -> None:
        where = f"API function {self.name!r}"
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"{where}: the name must be lowercase letters and digits, words joined by '-'")
        if not self.handler.startswith(f"{self.code.name}."):
            raise ValueError(f"{where}: handler {self.handler!r} must be in its package {self.code.name!r}")
        try:
            self.routes  # noqa: B018 - its package must declare at least one route
        except (OSError, ValueError) as error:
            raise ValueError(f"{where}: {error}; the HTTP API would never invoke it") from None
        for name, access in self.data_access.items():
            if problem := access_problem(name, access):
                raise ValueError(f"{where}: data_access: {problem}")
        try:
            created = self.smoke.created  # every route needs a smoke case: its pre-traffic hook runs them
        except (OSError, ValueError) as error:
            raise ValueError(f"{where}: {error}") from None
        for item in created:
            granted = self.data_access.get(item.data)
            if granted is None or WRITE not in granted:
                allowed = f"may only {granted.name}" if granted else "does not use"
                raise ValueError(
                    f"{where}: smoke_cases.py: CREATED names {item.data!r}, which the function {allowed} "
                    "(data_access): its cases cannot have created anything there"
                )

    @property
    def routes(self) -> tuple[tuple[str, str], ...]:
        """(method, path) of each HTTP API route that invokes it: what its package declares in ``api_routes.py``."""
        return tuple((r.method, r.path) for r in declared_routes(self.code.name, self.code.parent))

    @property
    def smoke(self) -> SmokeDeclaration:
        """The smoke cases and latency budget its package declares in ``smoke_cases.py``."""
        return declared_smoke(self.code.name, self.code.parent)

    @property
    def construct_id(self) -> str:
        return function_id(self.name)


class ApiFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        spec: ApiFunctionSpec,
        *,
        config: StageConfig,
        data: DataResources,
        layers: Sequence[_lambda.ILayerVersion],
        capacity: ManagedInstances | None = None,  # the stage's capacity provider, with "managed-instances"
    ) -> None:
        super().__init__(scope, spec.construct_id)
        self.spec = spec
        self.log_group, self.role = logs_and_role(self, config, f"{spec.name} function ({config.stage})")
        self.function = _lambda.Function(
            self,
            function_resource_id(config.cold_start_strategy),
            runtime=RUNTIME,
            architecture=ARCHITECTURES[config.architecture],
            handler=spec.handler,
            code=package_code(spec.code),
            memory_size=config.memory_mb,
            timeout=cdk.Duration.seconds(config.timeout_seconds),
            role=self.role,
            # Active: Lambda samples, opens the function segment and runs the X-Ray daemon that both tracing
            # backends send to over UDP. "off": pass-through (Lambda traces only what arrives sampled).
            tracing=_lambda.Tracing.PASS_THROUGH if config.tracing == "off" else _lambda.Tracing.ACTIVE,
            snap_start=_lambda.SnapStartConf.ON_PUBLISHED_VERSIONS
            if config.cold_start_strategy == "snapstart"
            else None,
            layers=list(layers),
            log_group=self.log_group,
            # Text, not Lambda's JSON log format: the common layer already writes one JSON object per
            # line, which the JSON format would wrap a second time (a string inside "message"). Managed
            # instances always log in JSON; our lines go to stdout, which Lambda passes through as they are.
            logging_format=_lambda.LoggingFormat.JSON if capacity else _lambda.LoggingFormat.TEXT,
            current_version_options=capacity.version_options() if capacity else None,
            # Blast radius: a ceiling on this function's concurrency, so a slow dependency can't make it take
            # every execution environment of the account's regional pool (and throttle every other function).
            reserved_concurrent_executions=config.reserved_concurrency,
            environment={
                **self._data_environment(data, config),
                "LOG_LEVEL": config.log_level,
                "TRACING": config.tracing,  # common/tracing.py imports this backend only
            },
            description=f"{spec.description} ({config.stage})",
        )
        if capacity:
            capacity.attach(self.function)
        # Least privilege: exactly the calls the handler makes on the data it uses (stacks/data_resources.py).
        for name, access in spec.data_access.items():
            resource = data.named(name)
            resource.grant(self.function, actions_for(resource, access))
        # Every deploy that changes the code or configuration publishes a new version; the alias moves
        # to it, and the provisioned environments are initialised before the alias switches.
        self.alias = _lambda.Alias(
            self,
            "ProductionAlias",
            alias_name=ALIAS_NAME,
            version=self.function.current_version,
            provisioned_concurrent_executions=config.provisioned_concurrency or None,
        )
        if config.pc_max:
            ProvisionedConcurrencyAutoscaling(self, "PcAutoscaling", config=config, alias=self.alias)
        self._acknowledge(config)
        acknowledge_guard_findings(self, config, FUNCTION)

    def deploy_after(self, *constructs: Construct) -> None:
        """The alias's update, which starts the CodeDeploy deployment, waits for these (its hook, the alarms that name
        the new version); the alias's autoscaling target does not."""
        alias = self.alias.node.default_child
        assert alias is not None
        alias.node.add_dependency(*constructs)

    def _data_environment(self, data: DataResources, config: StageConfig) -> dict[str, str]:
        environment: dict[str, str] = {}
        for name, access in self.spec.data_access.items():
            variables = data.named(name).environment(access, config)
            if clash := sorted(environment.keys() & variables.keys()):
                raise ValueError(f"API function {self.spec.name!r}: {name} sets {clash}, already set by another")
            environment |= variables
        return environment

    def _acknowledge(self, config: StageConfig) -> None:
        # The tracing grant comes with `tracing` (CDK adds it for Active and PassThrough). Both backends send
        # over UDP to Lambda's X-Ray daemon, which uploads with it: no exporter needs a permission of its own.
        acknowledge(
            self.role,
            "X-Ray's PutTraceSegments/PutTelemetryRecords have no resource-level "
            "permissions: AWS documents Resource '*' for them.",
            "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
        )
        if config.tracing == "off":
            acknowledge(
                self.function,
                "tracing='off' is this stage's explicit choice: no tracer ships; pass-through still "
                "records requests that arrive already sampled upstream.",
                "Serverless::Serverless-LambdaTracing",
            )
        if config.cold_start_strategy == "snapstart":
            acknowledge(
                self.function,
                "SnapStart applies to published versions: the production alias always "
                "points at current_version, which CDK publishes on every change.",
                "Annotation::@aws-cdk/aws-lambda:snapStartRequirePublish",
            )
        acknowledge(
            self.function,
            "Invoked synchronously by API Gateway: a DLQ only receives failed "
            "asynchronous invocations, and the client gets the error response directly.",
            "Serverless::Serverless-LambdaDLQ",
        )


def package_code(package: Path) -> _lambda.Code:
    """The asset of one package under ``lambda_src/`` and nothing beside it: every function's asset holds its own
    code, so a change to one function publishes a new version of that function only."""
    return _lambda.Code.from_asset(
        str(package.parent), exclude=["*", f"!{package.name}", f"!{package.name}/**", *ASSET_EXCLUDES]
    )


def logs_and_role(scope: Construct, config: StageConfig, description: str) -> tuple[logs.ILogGroup, iam.Role]:
    """A function's log group in ``scope`` and its own role, which may write there. Our own role instead of
    AWSLambdaBasicExecutionRole (AwsSolutions-IAM4): it may write to this function's log group only, not create or
    write to any log group in the account."""
    log_group = stage_log_group(scope, "LogGroup", config=config)
    role = iam.Role(scope, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=description)
    log_group.grant_write(role)
    return log_group, role


@dataclass(frozen=True)
class StageFunctions:
    """Every API function of the stage, in ``FUNCTIONS`` order, with what the constructs serving all of them (the HTTP
    API, monitoring, safe deployments) read beside them: the stage's settings and, on a managed-instances stage, the
    capacity provider the functions run on. The service stack builds it once; iterating it gives the functions."""

    config: StageConfig
    members: tuple[ApiFunction, ...]
    capacity: ManagedInstances | None = None  # with cold_start_strategy="managed-instances"

    def __iter__(self) -> Iterator[ApiFunction]:
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)

    def resource_id(self, function: ApiFunction, what: str) -> str:
        """The id of a function's resource inside a construct all functions share (``naming.per_function_id``)."""
        return naming.per_function_id([f.spec.name for f in self.members], function.spec.name, what)
