"""The HTTP routes this function serves: the one declaration that the HTTP API (``stacks/constructs/
http_api.py``), the function's dispatcher (``orders.routes``) and ``make serve``'s router all read.

Pure data, standard library only: the CDK app and the local tools read it without importing the function's
runtime code. ``handler`` names the function in ``orders.routes`` that answers the route; a name that does
not exist there fails the function's init.
"""

from __future__ import annotations

from typing import NamedTuple


class Route(NamedTuple):
    method: str  # an HTTP method as API Gateway spells it (GET, POST, ...)
    path: str  # an HTTP API path, path parameters in braces: /orders/{order_id}
    handler: str

    @property
    def key(self) -> str:
        """The HTTP API route key, e.g. ``"POST /orders"`` (the event's ``routeKey``)."""
        return f"{self.method} {self.path}"


ROUTES = (
    Route("POST", "/orders", "create_order"),
    Route("GET", "/orders/{order_id}", "get_order"),
)
