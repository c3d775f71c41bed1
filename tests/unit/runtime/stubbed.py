"""Real botocore clients that never reach the network: requests are checked against the service model and
answered by botocore's Stubber (the fast tests' stand-in for the moto server the integration tests use)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
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


def client_fixtures(service: str) -> tuple[Any, Any]:
    """A test module's two fixtures: ``<service>``, the offline client (one per module), and ``stub``, its Stubber
    for one test. ``dynamodb, stub = client_fixtures("dynamodb")`` at the module's top level."""

    @pytest.fixture(scope="module", name=service)
    def client() -> Any:
        return offline_client(service)

    @pytest.fixture(name="stub")
    def stub(request: pytest.FixtureRequest) -> Iterator[Stubber]:
        with stubbed(request.getfixturevalue(service)) as stubber:
            yield stubber

    return client, stub
