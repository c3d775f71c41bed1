"""The pre-traffic hook end to end, offline: CodeDeploy's side is played by this test. It invokes the synthesized
hook function through `make serve`'s local Lambda Invoke API (the session's dev stage, as `cdk synth` packaged it),
the hook invokes the function's new version by its ARN through the same API, runs the smoke cases, deletes what they
created, and reports to a local CodeDeploy endpoint that parses the call with botocore's own service model
(`lambda_kit.local.api_recorder`: moto does not implement `PutLifecycleEventHookExecutionStatus`).

Twice: against the version as built (the hook reports Succeeded) and against a variant whose create answers 500 (the
orders code asset with `build_order` broken: the hook reports Failed and its log names the failing cases)."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lambda_kit.local.api_recorder import ApiRecorder, Call
from lambda_kit.local.emulator import admin_client
from lambda_kit.local.sandbox import CALL_LOG_ENV

from tests.infra.conftest import ROOT, Synth
from tests.orders_local import REGION

HOOK = "Deployment/PreTrafficHook/Function"  # the orders function's hook (stacks/constructs/safe_deployment.py)
EVENT = {"DeploymentId": "d-LOCAL0001", "LifecycleEventHookExecutionId": "e-local-1"}  # what CodeDeploy sends
STATUS = "PutLifecycleEventHookExecutionStatus"


class Served:
    """`lambda-kit serve` of an assembly, with the hook's CodeDeploy calls sent to ``codedeploy``."""

    def __init__(self, assembly: Path, codedeploy: str) -> None:
        command = [sys.executable, "-m", "lambda_kit", "serve", "--assembly", str(assembly), "--stage", "dev"]
        command += ["--env", f"AWS_ENDPOINT_URL_CODEDEPLOY={codedeploy}", "--logs"]
        # Not in the session's AWS call log: the hook's calls (Invoke, its cleanup, its report) are its own role's, not
        # the orders role's that tests/integration/test_least_privilege.py compares them with.
        env = {name: value for name, value in os.environ.items() if name != CALL_LOG_ENV}
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert self.process.stdout is not None
        self.lines: list[str] = []
        self.url = self.hook = ""
        for line in self.process.stdout:
            self.lines.append(line)
            if found := re.match(rf"function (\S+) \({re.escape(HOOK)}\)", line):
                self.hook = found.group(1)
            if found := re.search(r"listening on (http://\S+)", line):
                self.url = found.group(1)
                break
        assert self.url and self.hook, "".join(self.lines)
        threading.Thread(target=lambda: self.lines.extend(self.process.stdout or ()), daemon=True).start()

    def invoke_hook(self) -> dict[str, Any]:
        """CodeDeploy's invocation of the hook: its result (the last 4 KB of its log come back too, in
        ``LogResult``: the verdict and the report are the last lines)."""
        client = admin_client(self.url, "lambda", region=REGION)
        answer = client.invoke(FunctionName=self.hook, Payload=json.dumps(EVENT), LogType="Tail")
        assert "FunctionError" not in answer, answer
        assert '"message": "reported to CodeDeploy"' in base64.b64decode(answer["LogResult"]).decode()
        return dict(json.loads(answer["Payload"].read()))

    def stop(self) -> list[dict[str, Any]]:
        """Stop it; the hook's JSON log lines (`--logs` prints every function's, indented)."""
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)
        entries = (json.loads(line.strip()) for line in self.lines if line.startswith("    {"))
        return [entry for entry in entries if entry.get("logger") == "pre_traffic_hook"]


@pytest.fixture
def codedeploy() -> Iterator[ApiRecorder]:
    answer = {STATUS: lambda params: {"lifecycleEventHookExecutionId": params["lifecycleEventHookExecutionId"]}}
    with ApiRecorder("codedeploy", answer) as recorder:
        yield recorder


def run(assembly: Path, codedeploy: ApiRecorder) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    served = Served(assembly, codedeploy.endpoint_url)
    try:
        result = served.invoke_hook()
    finally:
        logs = served.stop()
    return result, logs


def test_the_hook_passes_the_version_as_built_and_reports_succeeded(synth: Synth, codedeploy: ApiRecorder) -> None:
    result, logs = run(synth.outdir, codedeploy)
    assert result == {"status": "Succeeded"}
    assert codedeploy.calls == [
        Call(
            STATUS, {"deploymentId": "d-LOCAL0001", "lifecycleEventHookExecutionId": "e-local-1", "status": "Succeeded"}
        )
    ]
    passed = [entry["case"] for entry in logs if entry["message"] == "smoke case passed"]
    assert passed == ["create", "read back", "replay the create", "bad body", "unknown id"]
    assert all(entry["version"].endswith(":1") for entry in logs if "version" in entry)  # the version, by its ARN


def test_the_hook_fails_a_version_whose_create_answers_500(
    synth: Synth, codedeploy: ApiRecorder, tmp_path: Path
) -> None:
    broken = shutil.copytree(synth.outdir, tmp_path / "cdk.out")
    processing = next(broken.glob("asset.*/orders/processing.py"))
    source = processing.read_text()
    processing.write_text(
        source.replace('    """The order to store', '    raise RuntimeError("broken on purpose")\n    """The order', 1)
    )
    result, logs = run(broken, codedeploy)
    assert result == {"status": "Failed"}
    assert [(c.operation, c.params["status"]) for c in codedeploy.calls] == [(STATUS, "Failed")]
    failed = {entry["case"]: entry["problem"] for entry in logs if entry["message"] == "smoke case failed"}
    assert set(failed) == {"create", "read back", "replay the create"}
    assert failed["create"].startswith("answered 500, expected 201")
    verdict = next(entry for entry in logs if entry["message"] == "smoke cases: Failed")
    assert verdict["failed"] == ["create", "read back", "replay the create"]
