"""The TTL cache's contract on the clock's exact ticks, and the S3 loader through a real botocore S3 client.

A value loaded at t is served while now < t + ttl and reloaded from t + ttl on (expired *at* the TTL, not after
it). The clock is the test's: whole seconds, so "exactly at the TTL" is exact.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from common.config_cache import ConfigUnavailable, TtlCache, s3_json_object_loader
from tests.unit.runtime.orders_service import Clock
from tests.unit.runtime.stubbed import client_fixtures

TTL = 300


class Versions:
    """A loader returning 1, 2, 3, ...: the value tells how many loads happened."""

    def __init__(self) -> None:
        self.loads = 0

    def __call__(self) -> int:
        self.loads += 1
        return self.loads


def cache_at(now: float) -> tuple[TtlCache[int], Clock]:
    clock = Clock(now)
    return TtlCache(Versions(), ttl_seconds=TTL, clock=clock), clock


def test_the_first_get_loads() -> None:
    cache, _ = cache_at(1000)
    assert cache.get() == 1


def test_served_from_the_cache_until_one_second_before_the_ttl() -> None:
    cache, clock = cache_at(1000)
    cache.get()
    for clock.now in (1000, 1001, 1000 + TTL - 1):
        assert cache.get() == 1


def test_exactly_at_the_ttl_the_value_has_expired_and_is_reloaded() -> None:
    cache, clock = cache_at(1000)
    cache.get()
    clock.now = 1000 + TTL
    assert cache.get() == 2


def test_one_second_past_the_ttl_it_is_reloaded() -> None:
    cache, clock = cache_at(1000)
    cache.get()
    clock.now = 1000 + TTL + 1
    assert cache.get() == 2
    clock.now += TTL + 1  # and so on, each TTL + 1 after the previous load
    assert cache.get() == 3


def test_the_ttl_runs_from_the_load_not_from_the_last_read() -> None:
    cache, clock = cache_at(1000)
    cache.get()
    clock.now = 1000 + TTL - 1
    cache.get()  # a read does not extend the value's life
    clock.now = 1000 + TTL
    assert cache.get() == 2
    clock.now = 1000 + 2 * TTL - 1
    assert cache.get() == 2  # the reload starts a new TTL


@pytest.mark.parametrize("now", [0, -5])
def test_the_first_get_loads_whatever_the_clock_reads(now: float) -> None:
    cache, _ = cache_at(now)  # time.monotonic()'s reference point is undefined: any reading, zero or below
    assert cache.get() == 1


def test_invalidate_makes_the_next_get_reload_even_within_the_ttl() -> None:
    cache, _ = cache_at(1000)
    cache.get()
    cache.invalidate()
    assert cache.get() == 2


# --- the S3 loader ------------------------------------------------------------------------------------------------

BUCKET, KEY = "config-bucket", "config.json"


s3, stub = client_fixtures("s3")


def body(raw: bytes) -> dict[str, Any]:
    return {"Body": StreamingBody(io.BytesIO(raw), len(raw))}


def test_loader_reads_the_bucket_and_key_it_was_given(s3: Any, stub: Stubber) -> None:
    stub.add_response(
        "get_object", body(json.dumps({"max_items_per_order": 5}).encode()), {"Bucket": BUCKET, "Key": KEY}
    )
    assert s3_json_object_loader(s3, BUCKET, KEY)() == {"max_items_per_order": 5}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", f"s3://{BUCKET}/{KEY} is not valid JSON: "),
        (b"\xff\xfe{}", f"s3://{BUCKET}/{KEY} is not valid JSON: "),
        (b"[1, 2]", f"s3://{BUCKET}/{KEY} must hold a JSON object"),
    ],
    ids=["not-json", "not-utf8", "a-list"],
)
def test_loader_refuses_a_document_that_is_not_a_json_object(s3: Any, stub: Stubber, raw: bytes, message: str) -> None:
    stub.add_response("get_object", body(raw), {"Bucket": BUCKET, "Key": KEY})
    with pytest.raises(ConfigUnavailable) as error:
        s3_json_object_loader(s3, BUCKET, KEY)()
    assert str(error.value).startswith(message)


def test_loader_turns_an_s3_error_into_config_unavailable_naming_the_object(s3: Any, stub: Stubber) -> None:
    stub.add_client_error("get_object", service_error_code="NoSuchKey", http_status_code=404)
    with pytest.raises(ConfigUnavailable) as error:
        s3_json_object_loader(s3, BUCKET, KEY)()
    assert str(error.value).startswith(f"cannot read s3://{BUCKET}/{KEY}: An error occurred (NoSuchKey)")
