"""The requests the orders function's pre-traffic hook sends to each new version before CodeDeploy shifts any traffic
to it, with the status each must answer, and the latency budget that each case and the version's latency alarm hold
it to. Every route of ``api_routes.py`` has a case (``cdk synth`` fails otherwise: ``stacks/smoke_cases.py``).

Pure data, standard library only: the CDK app reads it without importing the function. In any string, ``{smoke_id}``
becomes the hook's id for this deployment under a reserved prefix (``__smoke-d-ABCDEF123``): the order the cases
create is deleted once they have run (``CREATED``), and carries a one-day expiry should that not happen.
"""

from __future__ import annotations

from typing import Any, NamedTuple

SMOKE_ID = "{smoke_id}"


class SmokeCase(NamedTuple):
    name: str
    route: str  # a route key of api_routes.ROUTES
    expect: int  # the status code the new version must answer with
    path: dict[str, str] | None = None  # the route's path parameters
    body: Any = None  # sent as JSON


class Created(NamedTuple):
    data: str  # the data resource (stacks/service_stack.py, data_access) the cases write to
    key: str  # its partition key attribute
    value: str  # the created item's key


ORDER = {"order_id": SMOKE_ID, "items": [{"sku": "SMOKE-1", "quantity": 1}]}

# A ceiling, not a target: the first case runs in a fresh environment of the new version, whose first requests open
# the connections to the config bucket, the secret and the table (Lambda's Duration, init excluded).
LATENCY_BUDGET_MS = 1000
CASES = (
    SmokeCase("create", "POST /orders", 201, body=ORDER),
    SmokeCase("read back", "GET /orders/{order_id}", 200, path={"order_id": SMOKE_ID}),
    SmokeCase("replay the create", "POST /orders", 200, body=ORDER),  # idempotent: the same order, no second write
    SmokeCase("bad body", "POST /orders", 400, body={"order_id": SMOKE_ID}),
    SmokeCase("unknown id", "GET /orders/{order_id}", 404, path={"order_id": f"{SMOKE_ID}-absent"}),
)
CREATED = (Created("orders_table", "order_id", SMOKE_ID),)
