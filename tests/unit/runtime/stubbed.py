"""Real botocore clients that never reach the network: requests are checked against the service model and
answered by botocore's Stubber (the fast tests' stand-in for the moto server the integration tests use)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.session import Session
from botocore.stub import Stubber


def offline_client(service: str) -> Any:
    return Session().create_client(
        service, region_name="ap-northeast-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@contextmanager
def stubbed(client: Any) -> Iterator[Stubber]:
    """The client's Stubber; every queued response must have been used when the block ends."""
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
