"""SnapStart hooks, the secret loader and receipt signatures (no AWS)."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from botocore.exceptions import ClientError

from common import snapstart
from common.config_cache import TtlCache
from common.secrets import SecretUnavailable, secret_string_loader
from orders.receipts import ReceiptSigner, receipt_signature
from tests.unit.runtime.orders_service import PROCESSED_ORDER

BODY = PROCESSED_ORDER.as_body()


def test_signature_covers_the_order_identity_not_the_status() -> None:
    signature = receipt_signature("k", BODY)
    assert len(signature) == 64 and signature == receipt_signature("k", dict(BODY))
    assert receipt_signature("k", {**BODY, "status": "other"}) == signature
    assert receipt_signature("k", {**BODY, "total_quantity": 3}) != signature
    assert receipt_signature("other", BODY) != signature


def test_signer_reads_the_key_through_the_cache() -> None:
    loads: list[int] = []

    def load() -> str:
        loads.append(1)
        return "k"

    signer = ReceiptSigner(TtlCache(load, ttl_seconds=300))
    signer.load_key()
    signed = signer.sign(PROCESSED_ORDER)
    assert signed == {**BODY, "receipt": receipt_signature("k", BODY)}
    assert len(loads) == 1


class _FakeSecrets:
    def __init__(self, response: dict[str, Any] | Exception) -> None:
        self.response = response

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:
        if isinstance(self.response, Exception):
            raise self.response
        return self.response


def test_secret_loader_returns_the_string_and_turns_failures_into_dependency_errors() -> None:
    assert secret_string_loader(_FakeSecrets({"SecretString": "v"}), "id")() == "v"
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetSecretValue")
    with pytest.raises(SecretUnavailable, match="cannot read secret id"):
        secret_string_loader(_FakeSecrets(denied), "id")()
    with pytest.raises(SecretUnavailable, match="has no string value"):
        secret_string_loader(_FakeSecrets({"SecretBinary": b"x"}), "id")()


def test_after_restore_is_a_no_op_without_snapstart(monkeypatch: pytest.MonkeyPatch) -> None:
    def hook() -> None: ...

    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # a runtime without the hooks package
    assert snapstart.after_restore(hook) is hook


@pytest.fixture
def fake_snapshot_runtime(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    registered: list[Any] = []
    module = types.ModuleType("snapshot_restore_py")
    module.register_after_restore = registered.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    return registered


def test_after_restore_registers_with_the_snapstart_runtime(fake_snapshot_runtime: list[Any]) -> None:
    def hook() -> None: ...

    assert snapstart.after_restore(hook) is hook
    assert fake_snapshot_runtime == [hook]
