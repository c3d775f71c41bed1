"""What the kit runs, read from the synthesized templates: each Lambda function (handler, runtime, memory,
timeout, environment, code and layer assets, aliases) and each HTTP API (its routes, their integrations and
authorization, the stage's throttling and CORS). Values stay as the template writes them; what needs deploy-time
resolution (an environment variable's ``Fn::GetStackOutput``, say) is resolved by the caller against the resources
it emulates (``lambda_kit.local.provision``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lambda_kit.assembly.cloud_assembly import AssemblyError, Asset, CloudAssembly, Stack
from lambda_kit.assembly.intrinsics import Resolver

FUNCTION = "AWS::Lambda::Function"
LAYER = "AWS::Lambda::LayerVersion"
ALIAS = "AWS::Lambda::Alias"
VERSION = "AWS::Lambda::Version"
HTTP_API = "AWS::ApiGatewayV2::Api"
# CloudFormation's defaults for what a function resource may leave out.
DEFAULT_MEMORY_MB = 128
DEFAULT_TIMEOUT_SECONDS = 3
# An HTTP API integration's timeout when TimeoutInMillis is absent (API Gateway's quota page: 30 s).
DEFAULT_INTEGRATION_TIMEOUT_MS = 30_000
# Lambda Managed Instances, where the template leaves them out: memory per vCPU (GiB), requests per environment per
# vCPU for Python (lambda-managed-instances-python-runtime.html), and a version's environments (FunctionScalingConfig:
# minimum and maximum 3, AWS::Lambda::Version reference).
DEFAULT_LMI_GIB_PER_VCPU = 2
DEFAULT_LMI_PYTHON_CONCURRENCY_PER_VCPU = 16
DEFAULT_LMI_ENVIRONMENTS = 3
# What an unqualified invocation of a managed-instances function runs (lambda-managed-instances-version-publishing.html),
# when the function publishes it (PublishToLatestPublished, true unless the template says otherwise).
LATEST_PUBLISHED = "$LATEST.PUBLISHED"


@dataclass(frozen=True)
class Layer:
    stack: str
    logical_id: str
    asset: Asset


@dataclass(frozen=True)
class Alias:
    name: str
    version_logical_id: str | None  # the AWS::Lambda::Version it points at, when it is one of the template's
    provisioned_concurrency: int


@dataclass(frozen=True)
class Function:
    stack: Stack
    logical_id: str
    code: Asset | None  # None: inline code (``Code.ZipFile``, which Lambda writes to ``index.py``)
    layers: tuple[Layer, ...]
    aliases: tuple[Alias, ...]
    # Its AWS::Lambda::Version resources, in the template's order: Lambda numbers versions as they are published,
    # which CloudFormation does in an order the template does not fix; the kit numbers them 1, 2, ... in this order.
    versions: tuple[str, ...] = ()

    def version_number(self, logical_id: str) -> str:
        return str(self.versions.index(logical_id) + 1)

    def resolve(self, qualifier: str | None) -> str | None:
        """The version a qualifier names, as Lambda resolves it: none or ``$LATEST`` is ``$LATEST`` (none is
        ``$LATEST.PUBLISHED`` on managed instances, if the function publishes it), a number one of the published
        versions, an alias's name that alias's version; None when it names none of them."""
        if qualifier in (None, "") and self.managed_instances is not None:
            return LATEST_PUBLISHED if self.properties.get("PublishToLatestPublished", True) else None
        if qualifier in (None, "", "$LATEST"):
            return "$LATEST"
        assert qualifier is not None
        if qualifier.isdigit():
            return qualifier if 1 <= int(qualifier) <= len(self.versions) else None
        for alias in self.aliases:
            if alias.name == qualifier:
                return self.version_number(alias.version_logical_id) if alias.version_logical_id else "$LATEST"
        return None

    @property
    def inline_code(self) -> str | None:
        code = self.properties.get("Code", {}).get("ZipFile")
        return str(code) if code is not None else None

    @property
    def properties(self) -> Mapping[str, Any]:
        properties: Mapping[str, Any] = self.stack.resources[self.logical_id].get("Properties", {})
        return properties

    @property
    def label(self) -> str:
        """The function's construct path inside its stack, e.g. ``Orders/Function``: how the kit names it."""
        path = self.stack.construct_path(self.logical_id).removesuffix("/Resource")
        return path.split("/", 1)[1] if path.startswith(f"{self.stack.name}/") else path

    @property
    def handler(self) -> str:
        return str(self.properties.get("Handler", ""))

    @property
    def runtime(self) -> str:
        return str(self.properties.get("Runtime", ""))

    @property
    def memory_mb(self) -> int:
        return int(self.properties.get("MemorySize", DEFAULT_MEMORY_MB))

    @property
    def timeout_seconds(self) -> int:
        return int(self.properties.get("Timeout", DEFAULT_TIMEOUT_SECONDS))

    @property
    def architecture(self) -> str:
        return str((self.properties.get("Architectures") or ["x86_64"])[0])

    @property
    def environment(self) -> Mapping[str, Any]:
        variables: Mapping[str, Any] = self.properties.get("Environment", {}).get("Variables", {})
        return variables

    @property
    def active_tracing(self) -> bool:
        return bool(self.properties.get("TracingConfig", {}).get("Mode") == "Active")

    @property
    def reserved_concurrency(self) -> int | None:
        value = self.properties.get("ReservedConcurrentExecutions")
        return None if value is None else int(value)

    @property
    def log_format(self) -> str:
        return str(self.properties.get("LoggingConfig", {}).get("LogFormat", "Text"))

    @property
    def application_log_level(self) -> str | None:
        level = self.properties.get("LoggingConfig", {}).get("ApplicationLogLevel")
        return None if level is None else str(level)

    @property
    def managed_instances(self) -> Mapping[str, Any] | None:
        """Its ``CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig``: None on demand."""
        config: Mapping[str, Any] | None = self.properties.get("CapacityProviderConfig", {}).get(
            "LambdaManagedInstancesCapacityProviderConfig"
        )
        return config

    @property
    def max_concurrency(self) -> int | None:
        """The requests one environment serves at once on a capacity provider (``PerExecutionEnvironmentMaxConcurrency``,
        else Python's default of 16 per vCPU of its memory); None on demand (one at a time)."""
        config = self.managed_instances
        if config is None:
            return None
        if "PerExecutionEnvironmentMaxConcurrency" in config:
            return int(config["PerExecutionEnvironmentMaxConcurrency"])
        gib_per_vcpu = int(config.get("ExecutionEnvironmentMemoryGiBPerVCpu", DEFAULT_LMI_GIB_PER_VCPU))
        return DEFAULT_LMI_PYTHON_CONCURRENCY_PER_VCPU * max(1, self.memory_mb // (gib_per_vcpu * 1024))

    def scaling(self, version: str) -> tuple[int, int]:
        """(minimum, maximum) environments of a version (``$LATEST``, ``$LATEST.PUBLISHED`` or a number) of a
        managed-instances function: its ``FunctionScalingConfig`` (the function's own but for a numbered version)."""
        if not version.isdigit():
            config = self.properties.get("FunctionScalingConfig", {})
        else:
            config = self.stack.resources[self.versions[int(version) - 1]].get("Properties", {})
            config = config.get("FunctionScalingConfig", {})
        minimum = int(config.get("MinExecutionEnvironments", DEFAULT_LMI_ENVIRONMENTS))
        return minimum, int(config.get("MaxExecutionEnvironments", DEFAULT_LMI_ENVIRONMENTS))

    def matches(self, name: str) -> bool:
        """``--function`` names a function by its logical id, its construct path, or that path's first part."""
        wanted = name.lower()
        return wanted in (self.logical_id.lower(), self.label.lower(), self.label.split("/")[0].lower())


@dataclass(frozen=True)
class Route:
    key: str  # "POST /orders", "$default"
    function: Function
    qualifier: str | None  # the alias or version number the integration invokes (None: the function, $LATEST)
    authorization_type: str  # NONE | AWS_IAM | JWT | CUSTOM
    authorizer: Mapping[str, Any] | None  # the AWS::ApiGatewayV2::Authorizer's properties
    timeout_ms: int
    payload_format: str
    authorization_scopes: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        return self.key.split(" ", 1)[0] if " " in self.key else "ANY"

    @property
    def path(self) -> str:
        return self.key.split(" ", 1)[1] if " " in self.key else self.key


@dataclass(frozen=True)
class HttpApi:
    stack: Stack
    logical_id: str
    routes: tuple[Route, ...]
    cors: Mapping[str, Any] | None
    throttling: tuple[float, int] | None  # the $default stage's (rate per second, burst)

    @property
    def label(self) -> str:
        return f"{self.stack.name}/{self.logical_id}"


class AppModel:
    """The functions and HTTP APIs of the selected stacks of a cloud assembly."""

    def __init__(self, assembly: CloudAssembly, stacks: Sequence[Stack]) -> None:
        self.assembly = assembly
        self.stacks = list(stacks)
        self.resolver = Resolver(assembly.templates())
        self.functions = [
            self._function(stack, logical_id) for stack in stacks for logical_id, _ in stack.of_type(FUNCTION)
        ]
        self.apis = [self._api(stack, logical_id) for stack in stacks for logical_id, _ in stack.of_type(HTTP_API)]

    def function(self, stack: str, logical_id: str) -> Function:
        for function in self.functions:
            if function.stack.name == stack and function.logical_id == logical_id:
                return function
        raise AssemblyError(f"{stack}/{logical_id} is not a Lambda function of the selected stacks")

    def find(self, name: str | None) -> Function:
        """The function ``--function`` names; without a name, the one function behind the HTTP APIs."""
        if name is None:
            candidates = list({id(r.function): r.function for api in self.apis for r in api.routes}.values())
            candidates = candidates or self.functions
        else:
            candidates = [f for f in self.functions if f.matches(name)]
        if len(candidates) == 1:
            return candidates[0]
        names = ", ".join(f"{f.label} ({f.stack.name}/{f.logical_id})" for f in self.functions) or "none"
        what = f"--function {name!r} matches {len(candidates)}" if name else f"{len(candidates)} functions serve routes"
        raise AssemblyError(f"{what}: name one with --function; the functions: {names}")

    # ------------------------------------------------------------------ functions

    def _function(self, stack: Stack, logical_id: str) -> Function:
        properties = stack.resources[logical_id].get("Properties", {})
        if "ImageUri" in properties.get("Code", {}):
            raise AssemblyError(f"{stack.name}/{logical_id}: a container image function; the kit runs zip functions")
        code = (
            None if "ZipFile" in properties.get("Code", {}) else stack.asset_of(logical_id, properties.get("Code", {}))
        )
        layers = tuple(self._layer(stack, logical_id, value) for value in properties.get("Layers", []))
        versions = tuple(
            version_id
            for version_id, version in stack.of_type(VERSION)
            if self.resolver.refers_to(stack.name, version["Properties"]["FunctionName"]) == (stack.name, logical_id)
        )
        return Function(stack, logical_id, code, layers, self._aliases(stack, logical_id), versions)

    def _layer(self, stack: Stack, function_id: str, value: Any) -> Layer:
        target = self.resolver.refers_to(stack.name, value)
        if target is None or self.resolver.resource(*target).get("Type") != LAYER:
            raise AssemblyError(
                f"{stack.name}/{function_id}: layer {value!r} is not a layer of this assembly; the kit runs only "
                "layers `cdk synth` packaged (a published layer's ARN has no local copy)"
            )
        layer_stack = self.assembly.stacks[target[0]]
        content = layer_stack.resources[target[1]]["Properties"].get("Content", {})
        return Layer(target[0], target[1], layer_stack.asset_of(target[1], content))

    def _aliases(self, stack: Stack, function_id: str) -> tuple[Alias, ...]:
        aliases = []
        for _, alias in stack.of_type(ALIAS):
            properties = alias["Properties"]
            if self.resolver.refers_to(stack.name, properties["FunctionName"]) != (stack.name, function_id):
                continue
            version = self.resolver.refers_to(stack.name, properties.get("FunctionVersion"))
            pc = properties.get("ProvisionedConcurrencyConfig", {}).get("ProvisionedConcurrentExecutions", 0)
            aliases.append(Alias(str(properties["Name"]), version[1] if version else None, int(pc)))
        return tuple(aliases)

    # ------------------------------------------------------------------ HTTP APIs

    def _api(self, stack: Stack, api_id: str) -> HttpApi:
        api = stack.resources[api_id]["Properties"]
        routes = []
        for route_id, route in stack.of_type("AWS::ApiGatewayV2::Route"):
            properties = route["Properties"]
            if self.resolver.refers_to(stack.name, properties["ApiId"]) != (stack.name, api_id):
                continue
            routes.append(self._route(stack, route_id, properties))
        throttling = None
        for _, stage in stack.of_type("AWS::ApiGatewayV2::Stage"):
            properties = stage["Properties"]
            if self.resolver.refers_to(stack.name, properties["ApiId"]) != (stack.name, api_id):
                continue
            settings = properties.get("DefaultRouteSettings", {})
            if properties.get("StageName") == "$default" and "ThrottlingRateLimit" in settings:
                throttling = (float(settings["ThrottlingRateLimit"]), int(settings.get("ThrottlingBurstLimit", 0)))
        return HttpApi(stack, api_id, tuple(routes), api.get("CorsConfiguration"), throttling)

    def _route(self, stack: Stack, route_id: str, properties: Mapping[str, Any]) -> Route:
        target = self.resolver.text(stack.name, properties.get("Target", ""))
        integration_id = target.removeprefix("integrations/").strip("${}").split("/")[-1]
        integration = stack.resources.get(integration_id, {}).get("Properties")
        if not target.startswith("integrations/") or integration is None:
            raise AssemblyError(f"{stack.name}/{route_id}: route {properties['RouteKey']!r} has no integration")
        if integration.get("IntegrationType") != "AWS_PROXY":
            raise AssemblyError(
                f"{stack.name}/{route_id}: route {properties['RouteKey']!r} integrates "
                f"{integration.get('IntegrationType')}; the kit serves Lambda proxy integrations"
            )
        function, qualifier = self._integration_target(stack, integration["IntegrationUri"], route_id)
        authorizer = None
        if "AuthorizerId" in properties:
            found = self.resolver.refers_to(stack.name, properties["AuthorizerId"])
            authorizer = self.resolver.resource(*found)["Properties"] if found else None
        return Route(
            key=str(properties["RouteKey"]),
            function=function,
            qualifier=qualifier,
            authorization_type=str(properties.get("AuthorizationType", "NONE")),
            authorizer=authorizer,
            timeout_ms=int(integration.get("TimeoutInMillis", DEFAULT_INTEGRATION_TIMEOUT_MS)),
            payload_format=str(integration.get("PayloadFormatVersion", "2.0")),
            authorization_scopes=tuple(str(scope) for scope in properties.get("AuthorizationScopes", ())),
        )

    def _integration_target(self, stack: Stack, uri: Any, route_id: str) -> tuple[Function, str | None]:
        found = self.resolver.refers_to(stack.name, uri)
        if found is not None:
            resource = self.resolver.resource(*found)
            if resource["Type"] == FUNCTION:
                return self.function(*found), None
            if resource["Type"] in (ALIAS, VERSION):
                function = self.resolver.refers_to(found[0], resource["Properties"]["FunctionName"])
                if function is not None:
                    target = self.function(*function)
                    if resource["Type"] == ALIAS:
                        return target, str(resource["Properties"]["Name"])
                    return target, target.version_number(found[1])
        raise AssemblyError(f"{stack.name}/{route_id}: the integration's target {uri!r} is not a function here")
