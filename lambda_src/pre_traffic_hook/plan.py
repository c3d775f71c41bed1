"""What the hook runs, from the environment its construct sets (``stacks/constructs/pre_traffic_hook.py``): the new
version's ARN, the function's smoke cases and latency budget, the reserved id prefix, and what to delete afterwards.
Read on each invocation, inside the hook's ``try``: a bad value fails the hook with a report, not its init."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from pre_traffic_hook.smoke import SmokeCase


class HookPlan(NamedTuple):
    version_arn: str
    cases: tuple[SmokeCase, ...]
    budget_ms: float
    smoke_id_prefix: str
    created: tuple[dict[str, str], ...]  # {"table", "key", "value"} of each item the cases create

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> HookPlan:
        return cls(
            version_arn=_required(environ, "TARGET_VERSION_ARN"),
            cases=tuple(SmokeCase.from_json(case) for case in _json(environ, "SMOKE_CASES")),
            budget_ms=float(_required(environ, "LATENCY_BUDGET_MS")),
            smoke_id_prefix=_required(environ, "SMOKE_ID_PREFIX"),
            created=tuple(dict(item) for item in _json(environ, "SMOKE_CLEANUP")),
        )

    def smoke_id(self, deployment_id: str) -> str:
        """This deployment's id for the data the cases create: ``__smoke-d-ABCDEF123``."""
        return f"{self.smoke_id_prefix}{deployment_id}"


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ValueError(f"environment variable {name} is missing: the hook's construct sets it")
    return value


def _json(environ: Mapping[str, str], name: str) -> list[Any]:
    try:
        value = json.loads(_required(environ, name))
    except json.JSONDecodeError as error:
        raise ValueError(f"environment variable {name} is not JSON: {error}") from None
    if not isinstance(value, list):
        raise ValueError(f"environment variable {name} must be a JSON list")
    return value
