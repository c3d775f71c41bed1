"""`make e2e`: the deployed stage's URL and authorization from its stack, SigV4 signing, and a clear stop
without credentials."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.credentials import Credentials
from botocore.stub import Stubber

from stacks import naming
from tests.tools import fixtures as fx
from tests.tools.test_aws import outputs
from lambda_kit.tools import e2e
from lambda_kit.tools.api_client import needs_signing, sigv4_signer
from lambda_kit.tools.aws import cdk_project, run

ROOT = Path(__file__).resolve().parents[3]
API_URL = "https://abc123.execute-api.ap-northeast-1.amazonaws.com"


def test_without_credentials_it_stops_at_once_with_one_line(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true"}
    result = subprocess.run(
        [sys.executable, "-m", "tools.e2e", "--stage", "dev"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: no AWS credentials: configure a profile (--profile), environment variables or SSO (aws sso login); "
        "nothing was run"
    ]


@pytest.mark.parametrize("authorization, signed", [(None, True), ("iam", True), ("none", False), ("jwt", False)])
def test_requests_are_signed_unless_the_stage_says_otherwise(authorization, signed):
    stack = {} if authorization is None else {naming.OUTPUT_API_AUTHORIZATION: authorization}
    assert needs_signing(stack) is signed


def test_the_signer_is_sigv4_for_execute_api():
    credentials = SimpleNamespace(
        get_frozen_credentials=Credentials("AKIDEXAMPLE", "secret", "token").get_frozen_credentials
    )
    headers = sigv4_signer(credentials, "ap-northeast-1")("GET", f"{API_URL}/orders/o-1", {}, b"")
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/ap-northeast-1/execute-api/aws4_request" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == "token" and headers["X-Amz-Date"]


def test_the_suite_runs_against_the_stacks_url_signed_with_the_table_to_clean(monkeypatch, capsys):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    lam, cfn = fx.lambda_client(), fx.cfn_client()
    monkeypatch.setattr(e2e, "client", lambda session, service: {"lambda": lam, "cloudformation": cfn}[service])
    ran: dict[str, Any] = {}

    def fake_run(command, **options):
        ran.update(command=command, **options)
        return SimpleNamespace(returncode=0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    stack = cdk_project().stage("dev").stack_name("service")  # cdk.json's project name: a fork's too
    with Stubber(cfn) as cfn_stub, Stubber(lam) as lam_stub:
        cfn_stub.add_response("describe_stacks", outputs(**{naming.OUTPUT_API_URL: API_URL}), {"StackName": stack})
        lam_stub.add_response(
            "get_function_configuration",
            {"FunctionName": fx.FUNCTION, "Environment": {"Variables": {"TABLE_NAME": "orders-table-x"}}},
            {"FunctionName": fx.FUNCTION},
        )
        assert run(e2e.main, ["--stage", "dev", "-k", "replay"]) == 0
    assert ran["command"][-5:] == ["tests/contract", "-p", "no:cacheprovider", "-k", "replay"]
    env = ran["env"]
    assert env[e2e.ENV_BASE_URL] == API_URL and env[e2e.ENV_TABLE] == "orders-table-x"
    assert env[e2e.ENV_SIGN_REGION] == "ap-northeast-1"  # no ApiAuthorization output: signed anyway
    assert stack in capsys.readouterr().out
