"""The common layer's small promises: environment settings, the response envelope, the secret loader."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from common.responses import JSON_HEADERS, error_response, json_response
from common.secrets import SecretUnavailable, secret_string_loader
from common.utils import MissingEnvironmentVariable, env_number, require_env, utc_now_iso

# --- environment settings ------------------------------------------------------------------------------------------


def test_a_required_variable_is_returned_trimmed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "  orders\n")
    assert require_env("TABLE_NAME") == "orders"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_missing_or_blank_required_variable_fails_naming_it(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("TABLE_NAME", raising=False)
    else:
        monkeypatch.setenv("TABLE_NAME", value)
    with pytest.raises(MissingEnvironmentVariable) as error:
        require_env("TABLE_NAME")
    assert str(error.value) == "Missing required environment variable TABLE_NAME"


@pytest.mark.parametrize(("raw", "expected"), [(None, 300.0), ("", 300.0), ("  ", 300.0), (" 2.5 ", 2.5), ("0", 0.0)])
def test_a_number_setting_defaults_when_unset_and_is_parsed_when_set(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: float
) -> None:
    if raw is None:
        monkeypatch.delenv("TTL", raising=False)
    else:
        monkeypatch.setenv("TTL", raw)
    assert env_number("TTL", 300.0) == expected


def test_the_minimum_is_inclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTL", "5")
    assert env_number("TTL", 1.0, minimum=5) == 5.0
    monkeypatch.setenv("TTL", "4.99")
    with pytest.raises(ValueError) as error:
        env_number("TTL", 1.0, minimum=5)
    assert str(error.value) == "Environment variable TTL must be >= 5, got '4.99'"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("soon", "Environment variable TTL must be a number, got 'soon'"),
        ("-0.5", "Environment variable TTL must be >= 0, got '-0.5'"),
        ("nan", "Environment variable TTL must be >= 0, got 'nan'"),
    ],
)
def test_a_malformed_number_fails_naming_the_variable(monkeypatch: pytest.MonkeyPatch, raw: str, message: str) -> None:
    monkeypatch.setenv("TTL", raw)
    with pytest.raises(ValueError) as error:
        env_number("TTL", 1.0)
    assert str(error.value) == message


def test_infinity_is_a_number_above_any_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTL", "inf")
    assert math.isinf(env_number("TTL", 1.0))


def test_utc_timestamps_have_milliseconds_and_the_utc_offset() -> None:
    stamp = utc_now_iso()
    assert len(stamp) == len("2026-11-28T09:00:00.123+00:00") and stamp.endswith("+00:00") and stamp[19] == "."


# --- the response envelope -----------------------------------------------------------------------------------------


def test_a_json_response_is_compact_ascii_json_never_base64() -> None:
    # ASCII: a lone surrogate in a message could not be encoded by the runtime, an escape always can.
    response = json_response(200, {"note": "注文", "n": [1, 2]})
    assert response == {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": '{"note":"\\u6ce8\\u6587","n":[1,2]}',
        "isBase64Encoded": False,
    }


def test_each_response_has_its_own_headers() -> None:
    first = json_response(200, {})
    first["headers"]["x-extra"] = "1"
    assert json_response(200, {})["headers"] == {"content-type": "application/json"} == JSON_HEADERS


def test_an_error_response_carries_the_message_under_error() -> None:
    response = error_response(409, "order_id: exists")
    assert (response["statusCode"], json.loads(response["body"])) == (409, {"error": "order_id: exists"})


# --- the secret loader ---------------------------------------------------------------------------------------------


class Secrets:
    """The one call the loader makes, answering with ``response`` and recording the secret asked for."""

    def __init__(self, response: dict[str, Any] | Exception) -> None:
        self.response = response
        self.asked: list[str] = []

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:
        self.asked.append(SecretId)
        if isinstance(self.response, Exception):
            raise self.response
        return self.response


ARN = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:receipt-AbCdEf"


def test_the_loader_asks_for_its_secret_on_every_load() -> None:
    client = Secrets({"SecretString": "v1"})
    load = secret_string_loader(client, ARN)
    assert (load(), load()) == ("v1", "v1") and client.asked == [ARN, ARN]


@pytest.mark.parametrize(
    ("response", "message"),
    [
        ({"SecretString": ""}, f"secret {ARN} has no string value"),
        ({"SecretBinary": b"k"}, f"secret {ARN} has no string value"),
        (
            EndpointConnectionError(endpoint_url="https://secretsmanager"),
            f"cannot read secret {ARN}: Could not connect",
        ),
        (
            ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "gone"}}, "GetSecretValue"),
            f"cannot read secret {ARN}: An error occurred (ResourceNotFoundException)",
        ),
    ],
)
def test_an_unreadable_or_empty_secret_is_a_dependency_failure_naming_it(
    response: dict[str, Any] | Exception, message: str
) -> None:
    with pytest.raises(SecretUnavailable) as error:
        secret_string_loader(Secrets(response), ARN)()
    assert str(error.value).startswith(message)
