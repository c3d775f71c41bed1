"""What an execution environment is made of, as Lambda's managed Python runtime lays it out: ``sys.path``
(the task root, the layers, the runtime's packages, the runtime interface client) and the environment
variables Lambda sets. Linked from this venv into directories of their own, so a package that happens to be
in the venv (moto, requests, ...) is not importable by the function, as on Lambda.

``FunctionConfig`` is one function as the kit runs it: from a synthesized template (``lambda_kit.local.
functions``) or, for a test of code that is not synthesized, from the caller.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

from lambda_kit.local.emulator import ACCOUNT_ID, REGION, fake_credentials_env

RUNTIME_DIR_SOURCES = Path(__file__).resolve().parent / "runtime_dir"
# What the Lambda Python runtime ships (boto3 and its dependencies) and the runtime interface client with its
# dependencies.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
RUNTIME_INTERFACE_PACKAGES = ("awslambdaric", "runtime_client", "simplejson", "snapshot_restore_py")
# Set to a file name, every function process appends the AWS API calls it makes there (one JSON line each).
CALL_LOG_ENV = "LOCAL_AWS_CALL_LOG"
MANAGED_INSTANCES = "lambda-managed-instances"  # AWS_LAMBDA_INITIALIZATION_TYPE on a capacity provider


@dataclass(frozen=True)
class FunctionConfig:
    """One function's code, layers and configuration: what Lambda knows of it when it starts an environment."""

    handler: str
    task_root: Path  # /var/task: the code asset, unpacked
    layers: tuple[Path, ...] = ()  # /opt/python (and its site-packages) of each layer, in order, as sys.path entries
    name: str = "function"
    memory_mb: int = 128
    timeout_seconds: float = 3.0
    runtime: str = "python3.14"
    region: str = REGION
    environment: Mapping[str, str] = field(default_factory=dict)  # the function's own variables
    log_group: str | None = None
    version: str = "$LATEST"
    initialization_type: str = "on-demand"  # or provisioned-concurrency, snap-start (managed_instances() sets its own)
    log_format: str = "Text"  # or JSON: the runtime's own records and Lambda's platform lines as JSON objects
    log_level: str | None = None  # the JSON format's application log level (AWS_LAMBDA_LOG_LEVEL)
    # Lambda Managed Instances: the requests one environment serves at once (the Python runtime's worker processes);
    # None: one at a time, as on demand.
    max_concurrency: int | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.name}"

    @property
    def json_logs(self) -> bool:
        return self.log_format.upper() == "JSON"

    def managed_instances(self, max_concurrency: int) -> FunctionConfig:
        """The same function on a capacity provider, as Lambda runs it there: ``max_concurrency`` workers per
        environment, initialized before any request, logging in JSON (the only format LMI functions log in)."""
        return replace(
            self,
            max_concurrency=max_concurrency,
            initialization_type=MANAGED_INSTANCES,
            log_format="JSON",
            log_level=self.log_level or "INFO",
        )

    def with_environment(self, **variables: str) -> FunctionConfig:
        """The same function with some of its variables set (a test's or a benchmark row's)."""
        return replace(self, environment={**self.environment, **variables})

    def but(self, **changes: Any) -> FunctionConfig:
        return replace(self, **changes)


def _link(source: Path, target: Path) -> None:
    link = target / source.name
    if link.is_symlink() and link.resolve() != source.resolve():
        link.unlink()  # left by another environment: point it at this one's copy
    if not link.is_symlink():
        with contextlib.suppress(FileExistsError):  # another process made the same link meanwhile
            link.symlink_to(source)


def _link_packages(names: Sequence[str], target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"{name} is not installed in this environment (make setup)")
        source = Path(spec.origin)
        _link(source.parent if source.name == "__init__.py" else source, target)
    return target


def _distribution_entries(name: str) -> set[Path]:
    """A distribution's site-packages entries: its packages and modules *and* its ``.dist-info`` (OpenTelemetry
    finds its context implementation through entry points, i.e. package metadata, as in the real layer)."""
    dist = distribution(name)
    return {
        Path(str(dist.locate_file(file.parts[0])))
        for file in dist.files or ()
        if file.parts[0] not in ("..", "__pycache__")
    }


def venv_layer(name: str, distributions: Sequence[str], without_bytecode_in: Path | None = None) -> Path:
    """A layer's ``python/`` made of this venv's copies of ``distributions`` (links), for running code that is
    not synthesized (a test of a layer's sources): the same versions the layer pins, built for this machine.

    ``without_bytecode_in``: a directory to copy the layer into instead, without ``__pycache__``, as a layer Lambda
    gets holds it when it was installed with ``--no-compile``."""
    target = (without_bytecode_in or _site_base()) / f"layer-{name}"
    target.mkdir(parents=True, exist_ok=True)
    sources = {entry for dist in distributions for entry in _distribution_entries(dist)}
    for stale in target.iterdir():  # linked for pins since changed: the layer no longer holds them
        if stale.is_symlink() and stale.name not in {source.name for source in sources}:
            stale.unlink()
    for source in sources:
        if without_bytecode_in is None:
            _link(source, target)
        elif source.is_dir():
            shutil.copytree(
                source, target / source.name, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True
            )
        else:
            shutil.copy2(source, target / source.name)
    return target


def _site_base() -> Path:
    # One directory per interpreter environment: two checkouts (a CI clone, a worktree) never share it.
    env_id = hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"lambda-kit-site-{os.getuid()}-{env_id}"


def runtime_dir(packages: Path | None = None) -> Path:
    """The stand-in for ``/var/runtime``: the runtime interface client and the local runtime hooks.

    ``packages``: a directory holding the client built for another interpreter (its ``runtime_client`` is a
    C extension); by default this venv's copy is linked in.
    """
    if packages is not None:
        target = packages
    else:
        target = _link_packages(RUNTIME_INTERFACE_PACKAGES, _site_base() / "runtime-interface")
    for source in RUNTIME_DIR_SOURCES.glob("*.py"):
        _link(source, target)
    return target


def lambda_site_paths(layers: Sequence[Path], runtime_interface: Path | None = None) -> list[str]:
    """``sys.path`` after the task root, in Lambda's order: the layers (``/opt/python``), the runtime's packages,
    ``/var/runtime``."""
    return [
        *(str(layer) for layer in layers),
        str(_link_packages(RUNTIME_PACKAGES, _site_base() / "runtime")),
        str(runtime_dir(runtime_interface)),
    ]


def log_stream_name(config: FunctionConfig) -> str:
    """``<date>/[<version>]<environment>``, as Lambda names an environment's stream (``local`` for the environment)."""
    return f"{time.strftime('%Y/%m/%d')}/[{config.version}]local"


def lambda_env(
    config: FunctionConfig, endpoint_url: str | None = None, xray_daemon_address: str | None = None
) -> dict[str, str]:
    """The environment Lambda gives the function (the variables that matter here), then the function's own.
    ``endpoint_url``: where its AWS calls go (the local emulator); ``xray_daemon_address``: where its trace
    segments go (without one, the X-Ray SDK is told to send nothing)."""
    env = {
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(config.task_root),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_VERSION": config.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_INITIALIZATION_TYPE": config.initialization_type,
        "AWS_LAMBDA_LOG_GROUP_NAME": config.log_group or f"/aws/lambda/{config.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(config),
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        **fake_credentials_env(config.region),
    }
    if config.json_logs:
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        env["AWS_LAMBDA_LOG_LEVEL"] = config.log_level or "INFO"
    if config.max_concurrency is not None:
        # awslambdaric forks this many workers, each importing the handler (its own init) and asking for work.
        env["AWS_LAMBDA_MAX_CONCURRENCY"] = str(config.max_concurrency)
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    if xray_daemon_address:
        host, _, port = xray_daemon_address.rpartition(":")
        env["AWS_XRAY_DAEMON_ADDRESS"] = xray_daemon_address
        env["_AWS_XRAY_DAEMON_ADDRESS"] = host
        env["_AWS_XRAY_DAEMON_PORT"] = port
    else:
        env["AWS_XRAY_SDK_ENABLED"] = "false"
    env.update(config.environment)
    return env


def new_trace_header() -> tuple[str, str]:
    """(trace id, header) as Lambda sets them: a sampled trace whose parent is the Lambda segment."""
    trace_id = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return trace_id, f"Root={trace_id};Parent={uuid.uuid4().hex[:16]};Sampled=1"
