"""The tracing backends a stage can select (``tracing`` setting) and where each one's packages are pinned.

Pure Python (no aws_cdk import): stacks/stage_config.py validates with it, the dependencies layer builds from it,
local runs link the same distributions. The names match common/tracing.py's ``BACKENDS`` (tested).
"""

from __future__ import annotations

from pathlib import Path

# The X-Ray SDK (default in every stage: the course unit teaches it; AWS ends its support on 2027-02-25),
# OpenTelemetry exported to X-Ray, or no tracing.
TRACING_BACKENDS = ("xray-sdk", "otel", "off")
DEFAULT_TRACING = "xray-sdk"
LAYERS_DIR = Path(__file__).resolve().parents[1] / "layers" / "dependencies"


def requirements_file(backend: str) -> Path | None:
    """The backend's pinned packages (its dependencies layer), or None for ``off`` (no layer)."""
    if backend not in TRACING_BACKENDS:
        raise ValueError(f"tracing={backend!r}: choose one of {', '.join(TRACING_BACKENDS)}")
    return None if backend == "off" else LAYERS_DIR / backend / "requirements.txt"


def pinned_distributions(backend: str) -> dict[str, str]:
    """name -> pinned version, from the backend's requirements file (empty for ``off``)."""
    path = requirements_file(backend)
    pins = {}
    for line in path.read_text().splitlines() if path else ():
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            name, _, version = requirement.partition("==")
            pins[name.strip()] = version.strip()
    return pins
