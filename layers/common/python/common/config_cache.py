"""Runtime configuration read from a JSON object in S3, cached for a fixed time (TTL).

The seed caches with ``functools.lru_cache``: the first value lives as long as the execution
environment (hours, and indefinitely under provisioned concurrency), so a config change needs a
redeploy. Here a value expires after ``ttl_seconds`` and the next call reloads it. A failed load
raises and is not cached, so the next request tries again and recovers as soon as S3 is fixed. An
expired value is not served when the reload fails: a config that can't be read is an outage to see,
not something to hide behind a value of unknown age.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

T = TypeVar("T")
_EMPTY: Any = object()


class ConfigUnavailable(Exception):
    """The config could not be loaded or is not valid: a dependency failure, not the client's."""


class TtlCache(Generic[T]):
    def __init__(
        self,
        load: Callable[[], T],
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,  # monotonic: immune to wall-clock jumps
    ) -> None:
        self._load = load
        self._ttl = ttl_seconds
        self._clock = clock
        self._value: T = _EMPTY
        self._expires_at = 0.0

    def get(self) -> T:
        now = self._clock()
        if self._value is _EMPTY or now >= self._expires_at:
            value = self._load()  # raises on failure: nothing cached
            self._value, self._expires_at = value, now + self._ttl
        return self._value

    def invalidate(self) -> None:
        self._value = _EMPTY


def s3_json_object_loader(s3_client: Any, bucket: str, key: str) -> Callable[[], dict[str, Any]]:
    """A loader for ``TtlCache`` that reads ``s3://bucket/key`` and parses it as a JSON object."""

    def load() -> dict[str, Any]:
        # The messages name the bucket and key: they go to the log, never into a response.
        try:
            raw = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise ConfigUnavailable(f"cannot read s3://{bucket}/{key}: {exc}") from exc
        try:
            document = json.loads(raw)
        except ValueError as exc:  # includes UnicodeDecodeError
            raise ConfigUnavailable(f"s3://{bucket}/{key} is not valid JSON: {exc}") from exc
        if not isinstance(document, dict):
            raise ConfigUnavailable(f"s3://{bucket}/{key} must hold a JSON object")
        return document

    return load
