import pytest

from common.http import RequestError
from orders.validation import check_item_count, parse_order_request, valid_id, validate_id


def order(**overrides):
    body = {"order_id": "o-1", "items": [{"sku": "SKU_1", "quantity": 2}]}
    body.update(overrides)
    return body


def rejection(payload):
    with pytest.raises(RequestError) as info:
        parse_order_request(payload)
    assert info.value.status_code == 400
    return info.value.message


def test_valid_order_is_parsed():
    request = parse_order_request(order(items=[{"sku": "a", "quantity": 1}, {"sku": "b-2", "quantity": 1000}]))
    assert request.order_id == "o-1"
    assert [(i.sku, i.quantity) for i in request.items] == [("a", 1), ("b-2", 1000)]


@pytest.mark.parametrize(
    "payload, message",
    [
        ([], "body: must be a JSON object"),
        ("x", "body: must be a JSON object"),
        ({"items": [{"sku": "a", "quantity": 1}]}, "order_id: required"),
        ({"order_id": "o"}, "items: required"),
        (order(extra=1), "extra: unknown field"),
        (order(order_id=7), "order_id: must be a string matching"),
        (order(order_id=""), "order_id: must be a string matching"),
        (order(order_id="a" * 65), "order_id: must be a string matching"),
        (order(order_id="a b"), "order_id: must be a string matching"),
        (order(order_id="abc\n"), "order_id: must be a string matching"),
        (order(order_id="١٢٣"), "order_id: must be a string matching"),  # non-ASCII digits
        (order(order_id=None), "order_id: required"),
        (order(items={}), "items: must be a list"),
        (order(items=[]), "items: must contain at least 1 item"),
        (order(items=["a"]), "items[0]: must be an object"),
        (order(items=[{"sku": "a"}]), "items[0].quantity: required"),
        (order(items=[{"quantity": 1}]), "items[0].sku: required"),
        (order(items=[{"sku": "a", "quantity": 1, "price": 3}]), "items[0].price: unknown field"),
        (order(items=[{"sku": "a", "quantity": 1}, {"sku": "b/c", "quantity": 1}]), "items[1].sku: must be a string"),
        (order(items=[{"sku": "a", "quantity": True}]), "items[0].quantity: must be an integer from 1 to 1000"),
        (order(items=[{"sku": "a", "quantity": 0}]), "items[0].quantity: must be an integer"),
        (order(items=[{"sku": "a", "quantity": 1001}]), "items[0].quantity: must be an integer"),
        (order(items=[{"sku": "a", "quantity": 2.0}]), "items[0].quantity: must be an integer"),
        (order(items=[{"sku": "a", "quantity": "2"}]), "items[0].quantity: must be an integer"),
    ],
)
def test_rejections_name_the_field(payload, message):
    assert rejection(payload).startswith(message)


def test_id_pattern_bounds():
    assert valid_id("a" * 64) and valid_id("A-z_0-9")
    assert not valid_id("a" * 65) and not valid_id("") and not valid_id(None) and not valid_id("é")
    with pytest.raises(RequestError, match="order_id: required"):
        validate_id(None, "order_id")


def test_item_count_limit():
    request = parse_order_request(order(items=[{"sku": "a", "quantity": 1}] * 3))
    check_item_count(request, 3)
    with pytest.raises(RequestError, match=r"items: at most 2 items per order") as info:
        check_item_count(request, 2)
    assert info.value.status_code == 400


def test_fingerprint_ignores_key_order_but_not_content():
    a = parse_order_request({"items": [{"quantity": 2, "sku": "SKU_1"}], "order_id": "o-1"})
    b = parse_order_request(order())
    assert a.fingerprint() == b.fingerprint()
    c = parse_order_request(order(items=[{"sku": "SKU_1", "quantity": 3}]))
    d = parse_order_request(order(items=[{"sku": "SKU_1", "quantity": 2}, {"sku": "SKU_1", "quantity": 2}]))
    assert len({b.fingerprint(), c.fingerprint(), d.fingerprint()}) == 3
