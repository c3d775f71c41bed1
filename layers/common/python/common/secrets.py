"""Secrets read at run time, never from environment variables (which show up in the console, in
`get-function-configuration` and in every crash dump). Pair the loader with ``TtlCache``: one
GetSecretValue per TTL per environment, and a rotated value is picked up without a redeploy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError


class SecretUnavailable(Exception):
    """The secret can't be read (denied, missing, throttled, no string value): a dependency failure (503)."""


def secret_string_loader(secrets_client: Any, secret_id: str) -> Callable[[], str]:
    """A loader for ``TtlCache`` returning the secret's current string value (AWSCURRENT)."""

    def load() -> str:
        # The message names the secret for the log; the value itself is never logged.
        try:
            value = secrets_client.get_secret_value(SecretId=secret_id).get("SecretString")
        except (ClientError, BotoCoreError) as exc:
            raise SecretUnavailable(f"cannot read secret {secret_id}: {exc}") from exc
        if not value:
            raise SecretUnavailable(f"secret {secret_id} has no string value")
        return str(value)

    return load
