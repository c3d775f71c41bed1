"""The routes are declared once (orders/api_routes.py) and every reader gets the same list."""

import pytest

from orders import api_routes, routes
from stacks.function_routes import FUNCTIONS_DIR, declared_routes


def test_one_declaration_feeds_the_dispatcher_the_http_api_and_make_serve():
    keys = [route.key for route in api_routes.ROUTES]
    assert keys == ["POST /orders", "GET /orders/{order_id}"]
    assert list(routes.ROUTES) == keys  # the function's dispatcher
    assert [route.key for route in declared_routes("orders")] == keys  # the CDK construct, make serve's router
    assert routes.ROUTES["POST /orders"] is routes.create_order


def test_each_declared_handler_is_resolved_by_its_name():
    assert [routes._resolve(route.handler) for route in api_routes.ROUTES] == [routes.create_order, routes.get_order]


def test_a_declared_handler_that_does_not_exist_fails_init():
    with pytest.raises(LookupError, match="'delete_order'"):
        routes._resolve("delete_order")


def test_the_declaration_is_pure_data():
    # The CDK app loads it from its file: it may import nothing but the standard library.
    source = (FUNCTIONS_DIR / "orders" / "api_routes.py").read_text()
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["from __future__ import annotations", "from typing import NamedTuple"]
