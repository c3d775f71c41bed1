"""A function's smoke cases and latency budget, read from its own declaration (``lambda_src/<package>/smoke_cases.py``):
what its pre-traffic hook sends to each new version before CodeDeploy shifts traffic to it
(``stacks/constructs/pre_traffic_hook.py``), and the budget that both the hook and the version's latency alarm hold
it to (``stacks/constructs/monitoring.py``).

The declaration is pure data, loaded from its file like the routes (``stacks/function_routes.py``), and checked here
against the routes: every route has a case, every case requests a declared route with exactly its path parameters.
A function that breaks one of these rules fails ``cdk synth`` with a message naming the file and the case.
No aws_cdk import here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from stacks.function_routes import FUNCTIONS_DIR, declared_routes, load_declaration

# The hook replaces this, in any string of a case, by its smoke id: SMOKE_ID_PREFIX and the CodeDeploy deployment id
# ("__smoke-d-ABCDEF123"). The hook's role may delete only items whose key starts with the prefix, and writers stamp
# such items with a one-day expiry (stacks/data_resources.py), so a reserved prefix no client id uses.
SMOKE_ID = "{smoke_id}"
SMOKE_ID_PREFIX = "__smoke-"
STATUS_RANGE = (100, 599)
_PATH_PARAMETER = re.compile(r"\{([^}]+)\}")


class SmokeCase(NamedTuple):
    name: str
    route: str  # the route key it requests: "GET /orders/{order_id}"
    expect: int  # the status code the new version must answer with
    path: Mapping[str, str]  # the route's path parameters
    body: Any  # sent as JSON; a str as it is; None: no body

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "route": self.route,
            "expect": self.expect,
            "path": dict(self.path),
            "body": self.body,
        }


class CreatedItem(NamedTuple):
    """An item the cases create, deleted by the hook once they have run."""

    data: str  # a data resource of the function's data_access (stacks/data_resources.py): "orders_table"
    key: str  # its partition key attribute: "order_id"
    value: str  # the key's value, starting with SMOKE_ID


class SmokeDeclaration(NamedTuple):
    cases: tuple[SmokeCase, ...]
    latency_budget_ms: int
    created: tuple[CreatedItem, ...]


@functools.cache
def declared_smoke(package: str, functions_dir: Path = FUNCTIONS_DIR) -> SmokeDeclaration:
    """What ``<functions_dir>/<package>/smoke_cases.py`` declares (``CASES``, ``LATENCY_BUDGET_MS``, ``CREATED``),
    checked against the package's routes; a ValueError names the file and what is wrong."""
    source = functions_dir / package / "smoke_cases.py"
    module = load_declaration(source, "smoke case")
    try:
        declaration = SmokeDeclaration(
            cases=tuple(
                SmokeCase(str(c.name), str(c.route), c.expect, dict(c.path or {}), c.body) for c in module.CASES
            ),
            latency_budget_ms=module.LATENCY_BUDGET_MS,
            created=tuple(CreatedItem(str(i.data), str(i.key), str(i.value)) for i in getattr(module, "CREATED", ())),
        )
    except AttributeError as error:
        raise ValueError(f"{source}: {error}: declare CASES and LATENCY_BUDGET_MS") from None
    routes = [route.key for route in declared_routes(package, functions_dir)]
    if problem := smoke_problem(declaration, routes):
        raise ValueError(f"{source}: {problem}")
    return declaration


def smoke_problem(declaration: SmokeDeclaration, routes: list[str]) -> str | None:
    """What is wrong with ``declaration`` for a function serving ``routes``, or None."""
    budget: object = declaration.latency_budget_ms  # as the file wrote it
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        return f"LATENCY_BUDGET_MS={budget!r} is not allowed: a whole number of milliseconds, 1 or more"
    names = [case.name for case in declaration.cases]
    if duplicates := sorted({name for name in names if names.count(name) > 1}):
        return f"case names must be unique: {', '.join(map(repr, duplicates))} appear more than once"
    for case in declaration.cases:
        if problem := _case_problem(case, routes):
            return f"case {case.name!r}: {problem}"
    if untested := [route for route in routes if route not in {case.route for case in declaration.cases}]:
        return (
            f"route {untested[0]!r} has no smoke case: a new version that breaks it would take all the traffic; "
            "add one to CASES"
        )
    for item in declaration.created:
        if not item.value.startswith(SMOKE_ID):
            return (
                f"CREATED {item.value!r} must start with {SMOKE_ID!r}: the hook may delete only keys under the "
                f"reserved prefix {SMOKE_ID_PREFIX!r}"
            )
    return None


def _case_problem(case: SmokeCase, routes: list[str]) -> str | None:
    if case.route not in routes:
        return f"route {case.route!r} is not one of the function's routes ({', '.join(routes)})"
    low, high = STATUS_RANGE
    expect: object = case.expect  # as the file wrote it
    if isinstance(expect, bool) or not isinstance(expect, int) or not low <= expect <= high:
        return f"expect={case.expect!r} is not an HTTP status code ({low}–{high})"
    wanted = [name.rstrip("+") for name in _PATH_PARAMETER.findall(case.route.split(" ", 1)[1])]  # {proxy+}
    if sorted(case.path) != sorted(wanted):
        return f"path gives {sorted(case.path)}, the route's path parameters are {wanted}"
    return None
