import pytest

from common.config_cache import ConfigUnavailable, TtlCache
from orders.limits import OrderLimits
from tests.unit.runtime.orders_service import Clock


class Source:
    """A loader whose result the test sets; counts calls."""

    def __init__(self, value):
        self.value, self.calls = value, 0

    def __call__(self):
        self.calls += 1
        if isinstance(self.value, Exception):
            raise self.value
        return self.value


def test_value_is_reused_until_the_ttl_expires():
    clock, source = Clock(), Source({"v": 1})
    cache = TtlCache(source, ttl_seconds=300, clock=clock)
    assert cache.get() == {"v": 1}
    source.value = {"v": 2}
    clock.now += 299.9
    assert cache.get() == {"v": 1} and source.calls == 1
    clock.now += 0.1
    assert cache.get() == {"v": 2} and source.calls == 2


def test_failed_load_is_not_cached_and_recovers():
    clock, source = Clock(), Source(ConfigUnavailable("down"))
    cache = TtlCache(source, ttl_seconds=300, clock=clock)
    for _ in range(2):
        with pytest.raises(ConfigUnavailable):
            cache.get()
    assert source.calls == 2  # each request retried the load
    source.value = {"v": 1}
    assert cache.get() == {"v": 1}


def test_failed_refresh_does_not_serve_the_expired_value():
    clock, source = Clock(), Source({"v": 1})
    cache = TtlCache(source, ttl_seconds=10, clock=clock)
    cache.get()
    clock.now += 10
    source.value = ConfigUnavailable("gone")
    with pytest.raises(ConfigUnavailable):
        cache.get()


def test_zero_ttl_loads_every_time_and_invalidate_forces_reload():
    clock, source = Clock(), Source({"v": 1})
    cache = TtlCache(source, ttl_seconds=0, clock=clock)
    cache.get(), cache.get()
    assert source.calls == 2
    cache = TtlCache(source, ttl_seconds=300, clock=clock)
    cache.get()
    cache.invalidate()
    cache.get()
    assert source.calls == 4


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"max_items_per_order": 0},
        {"max_items_per_order": True},
        {"max_items_per_order": "5"},
        {"max_items_per_order": 2.5},
    ],
)
def test_order_limits_reject_invalid_documents(document):
    with pytest.raises(ConfigUnavailable, match="max_items_per_order"):
        OrderLimits.from_document(document)


def test_order_limits_read_the_repo_config():
    import json
    from pathlib import Path

    document = json.loads((Path(__file__).parents[3] / "config" / "config.json").read_text())
    assert OrderLimits.from_document(document).max_items_per_order >= 1
