"""What an execution environment is made of, as Lambda's managed Python runtime lays it out: ``sys.path``
(the task root, the layers, the runtime's packages, the runtime interface client) and the environment
variables Lambda sets. Linked from this venv into directories of their own, so a package that happens to be
in the venv (moto, requests, ...) is not importable by the function, as on Lambda.

The dependencies layer is the one the stage's ``tracing`` backend attaches (stacks/tracing_backends.py):
the function's ``TRACING`` variable picks it here as the stage picks it on AWS, so the two never disagree.
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
from collections.abc import Sequence
from importlib.metadata import distribution
from pathlib import Path

from local.emulator import REGION, REPO_ROOT, fake_credentials_env
from stacks.stage_config import DEFAULT_STAGE, build_stage_config
from stacks.tracing_backends import pinned_distributions

TASK_ROOT = REPO_ROOT / "lambda_src"
COMMON_LAYER = REPO_ROOT / "layers" / "common" / "python"
RUNTIME_DIR_SOURCES = Path(__file__).resolve().parent / "runtime_dir"
# What the Lambda Python runtime ships (boto3 and its dependencies) and the runtime interface client with its
# dependencies.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
RUNTIME_INTERFACE_PACKAGES = ("awslambdaric", "runtime_client", "simplejson", "snapshot_restore_py")
FUNCTION_NAME = "orders-local"
ACCOUNT_ID = "123456789012"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{FUNCTION_NAME}"
# The function's settings as the default stage (dev) deploys them.
DEFAULT_STAGE_CONFIG = build_stage_config(DEFAULT_STAGE)
MEMORY_MB = DEFAULT_STAGE_CONFIG.memory_mb
DEFAULT_TRACING = DEFAULT_STAGE_CONFIG.tracing
# Set to a file name, every function process appends the AWS API calls it makes there (one JSON line each).
CALL_LOG_ENV = "LOCAL_AWS_CALL_LOG"


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


def dependencies_layer(tracing: str, without_bytecode_in: Path | None = None) -> Path | None:
    """The stage's dependencies layer for tracing backend ``tracing`` (None for ``off``: no layer), as links to
    exactly the distributions its requirements file pins; this venv holds the same versions
    (tests/unit/runtime/test_dependency_pins.py).

    ``without_bytecode_in``: a directory to copy the layer into instead, without ``__pycache__``, as the layer
    Lambda gets holds it (stacks/constructs/dependencies_layer.py installs with ``--no-compile``)."""
    pins = pinned_distributions(tracing)
    if not pins:
        return None
    target = (without_bytecode_in or _site_base()) / f"layer-{tracing}"
    target.mkdir(parents=True, exist_ok=True)
    sources = {entry for name in pins for entry in _distribution_entries(name)}
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


def function_layers(
    tracing: str = DEFAULT_TRACING, common: Path = COMMON_LAYER, without_bytecode_in: Path | None = None
) -> tuple[Path, ...]:
    """The layers the stage attaches: the common layer, then the ``tracing`` backend's dependencies layer."""
    dependencies = dependencies_layer(tracing, without_bytecode_in)
    return (common, dependencies) if dependencies else (common,)


def _site_base() -> Path:
    # One directory per interpreter environment: two checkouts (a CI clone, a worktree) never share it.
    env_id = hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"lambda-deep-dive-site-{os.getuid()}-{env_id}"


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


def lambda_env(
    endpoint_url: str,
    function_env: dict[str, str],
    xray_daemon_address: str | None = None,
    initialization_type: str = "on-demand",
) -> dict[str, str]:
    """The environment Lambda gives a function (the subset that matters here) plus the function's own (which
    may choose another ``TRACING`` backend than the default stage's)."""
    env = {
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(TASK_ROOT),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.14",
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(MEMORY_MB),
        "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type,
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/28/[$LATEST]local",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_ENDPOINT_URL": endpoint_url,
        "TRACING": DEFAULT_TRACING,  # as the service stack sets it (stacks/constructs/orders_function.py)
        **fake_credentials_env(),
    }
    if xray_daemon_address:
        host, _, port = xray_daemon_address.rpartition(":")
        env["AWS_XRAY_DAEMON_ADDRESS"] = xray_daemon_address
        env["_AWS_XRAY_DAEMON_ADDRESS"] = host
        env["_AWS_XRAY_DAEMON_PORT"] = port
    else:
        env["AWS_XRAY_SDK_ENABLED"] = "false"
    env.update(function_env)
    return env


def new_trace_header() -> tuple[str, str]:
    """(trace id, header) as Lambda sets them: a sampled trace whose parent is the Lambda segment."""
    trace_id = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return trace_id, f"Root={trace_id};Parent={uuid.uuid4().hex[:16]};Sampled=1"
