"""A synthesized app, run on this machine: the cloud assembly's functions in Lambda-like execution environments,
the resources their environments name on moto server, a UDP listener standing in for the X-Ray daemon.

    with LocalApp(Path("cdk.out")) as app:
        with app.environment(app.model.find("Orders")) as function:
            function.invoke(event)

Everything a function runs with comes from the assembly, as Lambda would get it from the deployment: the code
asset unpacked as the task root, the layer assets as ``/opt/python`` (binary packages built for Lambda's platform
replaced by this machine's build of the same version, ``lambda_kit.local.layers``), the handler string, runtime,
memory and timeout, and every environment variable resolved against the emulated resources. A packaging
mistake (a module left out of the asset, a wrong handler string, a missing layer) fails here as it would on AWS.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from lambda_kit.assembly.app_model import AppModel, Function
from lambda_kit.assembly.cloud_assembly import AssemblyError, CloudAssembly, extracted
from lambda_kit.local.emulator import ACCOUNT_ID, MotoServer
from lambda_kit.local.lambda_process import LambdaProcess
from lambda_kit.local.layers import python_paths
from lambda_kit.local.provision import Provisioned, physical_name
from lambda_kit.local.sandbox import FunctionConfig
from lambda_kit.local.xray_listener import XRayListener

PYTHON_RUNTIME = re.compile(r"python3\.\d+")


def function_config(function: Function, provisioned: Provisioned, cache: Path, name: str) -> FunctionConfig:
    """The function as Lambda would start it from this deployment, under the name ``function_name`` gave it."""
    if not PYTHON_RUNTIME.fullmatch(function.runtime):
        raise AssemblyError(f"{function.label}: runtime {function.runtime!r}; the kit runs Python functions")
    config = FunctionConfig(
        handler=function.handler,
        task_root=_task_root(function, cache),
        layers=tuple(python_paths([extracted(layer.asset, cache) for layer in function.layers], cache)),
        name=name,
        memory_mb=function.memory_mb,
        timeout_seconds=function.timeout_seconds,
        runtime=function.runtime,
        region=function.stack.region,
        environment=provisioned.environment(function),
        log_group=_log_group(function, provisioned),
        log_format=function.log_format,
        log_level=function.application_log_level,
    )
    concurrency = function.max_concurrency
    return config if concurrency is None else config.managed_instances(concurrency)


def function_name(function: Function, provisioned: Provisioned) -> str:
    """Its ``FunctionName``, or the name CloudFormation gives it (``<stack>-<logical id>-<random>``)."""
    name = function.properties.get("FunctionName")
    if name is not None:
        return provisioned.resolver.text(function.stack.name, name)
    return physical_name(function.stack.name, function.logical_id, "AWS::Lambda::Function")[:64]


def _task_root(function: Function, cache: Path) -> Path:
    """The code asset unpacked, or inline code written where Lambda writes it (``index.py``)."""
    if function.code is not None:
        return extracted(function.code, cache)
    root = cache / f"inline.{function.stack.name}.{function.logical_id}"
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.py").write_text(function.inline_code or "", encoding="utf-8")
    return root


def _log_group(function: Function, provisioned: Provisioned) -> str | None:
    """The log group the function's LoggingConfig names (its LogGroupName), else Lambda's default."""
    target = provisioned.resolver.refers_to(
        function.stack.name, function.properties.get("LoggingConfig", {}).get("LogGroup")
    )
    if target is None:
        return None
    name = provisioned.resolver.resource(*target).get("Properties", {}).get("LogGroupName")
    return provisioned.resolver.text(target[0], name) if name is not None else None


class LocalApp:
    """The assembly's selected stacks, running locally; a context manager."""

    def __init__(
        self,
        assembly: Path | str,
        stacks: Sequence[str] = (),
        *,
        moto: MotoServer | None = None,
        xray: XRayListener | None = None,
    ) -> None:
        """``moto``/``xray``: running ones to share (several assemblies on one emulator); else its own."""
        self.assembly = CloudAssembly(assembly)
        self.model = AppModel(self.assembly, self.assembly.select(stacks))
        self._cache_dir = tempfile.TemporaryDirectory(prefix="lambda-kit-")
        self.cache = Path(self._cache_dir.name)
        self._owned = (moto is None, xray is None)
        self.moto = moto or MotoServer()
        self.xray = xray or XRayListener()
        self.provisioned: Provisioned | None = None
        self._configs: dict[tuple[str, str], FunctionConfig] = {}
        self._names: dict[tuple[str, str], str] = {}

    def __enter__(self) -> LocalApp:
        try:
            if self._owned[0]:
                self.moto.start()
            if self._owned[1]:
                self.xray.start()
            self.provisioned = Provisioned(self.moto.endpoint_url, self.assembly, self.model.stacks)
            for function in self.model.functions:
                self._bind(function)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owned[1]:
            self.xray.stop()
        if self._owned[0]:
            self.moto.stop()
        self._cache_dir.cleanup()

    def config(self, function: Function) -> FunctionConfig:
        assert self.provisioned is not None, "enter the LocalApp first"
        key = (function.stack.name, function.logical_id)
        if key not in self._configs:
            self._configs[key] = function_config(function, self.provisioned, self.cache, self.name(function))
        return self._configs[key]

    def name(self, function: Function) -> str:
        """The function's name in this deployment (drawn when the app is entered)."""
        return self._names[(function.stack.name, function.logical_id)]

    def _bind(self, function: Function) -> None:
        """The function's name, and its versions' ARNs (numbered as ``AppModel`` numbers them), as what a ``Ref`` to
        them in another function's environment resolves to: a hook naming the version it invokes, say. ``lambda-kit
        serve`` answers the Invoke API for them."""
        assert self.provisioned is not None
        stack, key = function.stack.name, (function.stack.name, function.logical_id)
        self._names[key] = name = function_name(function, self.provisioned)
        physical = self.provisioned.resolver.physical
        physical[key] = name
        arn = f"arn:aws:lambda:{function.stack.region}:{ACCOUNT_ID}:function:{name}"
        for version in function.versions:
            physical[(stack, version)] = f"{arn}:{function.version_number(version)}"

    def environment(self, function: Function, config: FunctionConfig | None = None, **options: object) -> LambdaProcess:
        """A new (not yet started) execution environment of ``function`` (or of ``config``, a variant of it)."""
        return LambdaProcess(
            config or self.config(function),
            self.moto.endpoint_url,
            self.xray.address,
            **options,  # type: ignore[arg-type]
        )
