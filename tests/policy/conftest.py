"""`make policy-checks`: one synth of both stages, and of two managed-instances stages (dev switched to the strategy,
with each route out of its VPC), with AWS's Guard rules in it (as `cdk synth` runs them), and checkov started on its
templates right away, in the background."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.infra.conftest import LMI_SETTINGS, ROOT, STAGES, Synth, synthesize

# checkov lives in its own venv (Makefile: its boto3 pins would clash with the project's).
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
# Stages added for the checks: a managed-instances stage's VPC, endpoints, NAT gateways and capacity provider.
MANAGED_STAGES = {
    "lmi": {"extends": "dev", **LMI_SETTINGS},
    "lminat": {"extends": "dev", **LMI_SETTINGS, "lmi_egress": "nat"},
}


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    result = synthesize(
        tmp_path_factory.mktemp("cdk.out"),
        stage=",".join([*STAGES, *MANAGED_STAGES]),
        stages=MANAGED_STAGES,
        guard="true",
    )
    if CHECKOV.exists():
        templates = [str(result.outdir / f"{name}.template.json") for name in result.templates]
        command = [
            str(CHECKOV),
            "--framework",
            "cloudformation",
            "--skip-download",
            "--quiet",
            "--compact",
            "-o",
            "json",
        ]
        with (result.outdir / "checkov.json").open("w") as report:
            result.background["checkov"] = subprocess.Popen(
                [*command, *(arg for t in templates for arg in ("-f", t))], stdout=report
            )
    yield result
    process = result.background.get("checkov")
    if process is not None and process.poll() is None:
        process.kill()
