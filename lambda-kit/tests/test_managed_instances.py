"""A function on Lambda Managed Instances run locally as Lambda runs it: the fixture's ``managed-probe`` function
(tests/fixtures/shop/app.py, ``MULTI_SOURCE``: 4 requests per environment, its version kept to one environment) in an
environment of 4 workers that AWS's runtime client forks (``AWS_LAMBDA_MAX_CONCURRENCY``), answering requests at once;
each worker's own init and memory, the /tmp they share, each request's trace and log lines; LMI's JSON platform
records; ``lambda-kit local --concurrent`` (``lambda-kit serve`` filling one environment: tests/test_gateway_http.py)."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from lambda_kit.assembly.app_model import AppModel
from lambda_kit.assembly.cloud_assembly import CloudAssembly
from lambda_kit.local import run
from lambda_kit.local.lambda_process import InitError, Invocation, LambdaProcess
from lambda_kit.local.local_app import LocalApp
from lambda_kit.local.sandbox import lambda_env
from tests.served import FIXTURE

STACK = "managed-probe"
WORKERS = 4  # the fixture's PerExecutionEnvironmentMaxConcurrency


@pytest.fixture(scope="module")
def local() -> Iterator[LocalApp]:
    with LocalApp(FIXTURE, [STACK]) as app:
        yield app


@pytest.fixture(scope="module")
def environment(local: LocalApp) -> Iterator[LambdaProcess]:
    with local.environment(local.model.find("Multi")) as process:
        yield process


@pytest.fixture
def tmp_prefix() -> Iterator[str]:
    """A prefix for the files the function writes in /tmp (this machine's: other runs write there too)."""
    prefix = f"kit-lmi-{uuid.uuid4().hex[:10]}"
    yield prefix
    for leftover in Path("/tmp").glob(f"{prefix}-*"):
        leftover.unlink()


@pytest.fixture
def probe_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_prefix: str) -> Path:
    """A project folder whose ``lambda-kit local`` step asks the probe to hold its worker half a second."""
    (tmp_path / "events").mkdir()
    event = {"rawPath": "/multi/sleep-0.5", "queryStringParameters": {"tmp": tmp_prefix}}
    (tmp_path / "events" / "sleep.json").write_text(json.dumps(event))
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lambda-kit]\nevents = "events"\nid-field = "id"\n\n'
        '[tool.lambda-kit.local]\nsteps = [{ label = "sleep", event = "sleep.json" }]\n'
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def at_once(environment: LambdaProcess, count: int, **event: str) -> list[Invocation]:
    with ThreadPoolExecutor(count) as requests:
        return list(requests.map(lambda _: environment.invoke(dict(event)), range(count)))


def records(lines: list[str], kind: str) -> list[dict[str, Any]]:
    """The JSON platform records of one type among log lines."""
    found = [json.loads(line) for line in lines if line.startswith('{"time"')]
    return [entry["record"] for entry in found if entry["type"] == kind]


def test_the_model_reads_the_capacity_provider_config_and_each_versions_scaling() -> None:
    assembly = CloudAssembly(FIXTURE)
    model = AppModel(assembly, assembly.select([STACK, "shop-dev-service"]))
    multi, shop = model.find("Multi"), model.find("Shop")
    assert (multi.max_concurrency, multi.log_format, multi.memory_mb) == (WORKERS, "JSON", 2048)
    assert multi.scaling("1") == (1, 2)  # the version's FunctionScalingConfig
    assert multi.scaling("$LATEST.PUBLISHED") == (3, 3)  # none on the function: Lambda's defaults
    assert shop.max_concurrency is None and shop.managed_instances is None
    # Unqualified, a managed-instances function runs its $LATEST.PUBLISHED (the template does not turn it off).
    assert (multi.resolve(None), multi.resolve("live"), shop.resolve(None)) == ("$LATEST.PUBLISHED", "1", "$LATEST")


def test_without_latest_published_an_unqualified_invocation_finds_no_version(tmp_path: Path) -> None:
    copy = shutil.copytree(FIXTURE, tmp_path / "cdk.out")
    template_path = copy / f"{STACK}.template.json"
    template = json.loads(template_path.read_text())
    [function] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    function["Properties"]["PublishToLatestPublished"] = False  # as the template's managed-instances stage sets it
    template_path.write_text(json.dumps(template))
    assembly = CloudAssembly(copy)
    multi = AppModel(assembly, assembly.select([STACK])).find("Multi")
    assert multi.resolve(None) is None and multi.resolve("live") == "1"


@pytest.mark.parametrize(("memory_mb", "gib_per_vcpu", "expected"), [(8192, 2, 64), (8192, 4, 32), (2048, 2, 16)])
def test_without_a_max_concurrency_python_gets_16_per_vcpu(
    tmp_path: Path, memory_mb: int, gib_per_vcpu: int, expected: int
) -> None:
    copy = shutil.copytree(FIXTURE, tmp_path / "cdk.out")
    template_path = copy / f"{STACK}.template.json"
    template = json.loads(template_path.read_text())
    [function] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    config = function["Properties"]["CapacityProviderConfig"]["LambdaManagedInstancesCapacityProviderConfig"]
    del config["PerExecutionEnvironmentMaxConcurrency"]
    config["ExecutionEnvironmentMemoryGiBPerVCpu"] = gib_per_vcpu
    function["Properties"]["MemorySize"] = memory_mb
    template_path.write_text(json.dumps(template))
    assembly = CloudAssembly(copy)
    assert AppModel(assembly, assembly.select([STACK])).find("Multi").max_concurrency == expected


def test_lambda_tells_the_function_it_runs_on_managed_instances(local: LocalApp) -> None:
    config = local.config(local.model.find("Multi"))
    env = lambda_env(config)
    assert env["AWS_LAMBDA_MAX_CONCURRENCY"] == str(WORKERS)
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "lambda-managed-instances"
    assert (env["AWS_LAMBDA_LOG_FORMAT"], env["AWS_LAMBDA_LOG_LEVEL"]) == ("JSON", "INFO")


def test_one_environment_answers_its_concurrency_at_once_each_worker_on_its_own(
    environment: LambdaProcess, tmp_prefix: str
) -> None:
    workers = environment.worker_pids()
    assert len(workers) == WORKERS and environment.alive
    served = at_once(environment, 2 * WORKERS, action="sleep-0.5", tmp=tmp_prefix)
    answers = [invocation.result for invocation in served]
    assert all(invocation.error is None for invocation in served)
    # Four workers, each forked by the one runtime process, each ran the module's init in itself.
    assert {a["pid"] for a in answers} == set(workers)
    assert all(a["init_pid"] == a["pid"] for a in answers)
    assert {a["parent"] for a in answers} == {environment.pid}
    variables = answers[0]["variables"]
    assert variables["AWS_LAMBDA_MAX_CONCURRENCY"] == str(WORKERS)
    assert variables["AWS_LAMBDA_INITIALIZATION_TYPE"] == "lambda-managed-instances"
    # Each worker's memory is its own: its invocation counter counts its requests only, 1, 2, ... with no gap.
    per_worker: dict[int, list[int]] = {}
    for answer in answers:
        per_worker.setdefault(answer["pid"], []).append(answer["invocations"])
    assert all(sorted(counts) == list(range(1, len(counts) + 1)) for counts in per_worker.values())
    assert sum(len(counts) for counts in per_worker.values()) == 2 * WORKERS
    # /tmp is the environment's, shared: the first four requests overlapped (each slept half a second after writing
    # its file), so each saw the other three's files, named after their request ids.
    first_wave = [a for a in answers if a["invocations"] == 1]
    ids = {a["request_id"] for a in first_wave}
    assert len(first_wave) == WORKERS and all(ids <= set(a["tmp_seen"]) for a in first_wave)


def test_each_request_has_its_own_trace_log_lines_and_lmi_platform_records(
    environment: LambdaProcess, tmp_prefix: str
) -> None:
    served = at_once(environment, WORKERS, action="sleep-0.2", tmp=tmp_prefix)
    for invocation in served:
        answer = invocation.result
        assert answer["request_id"] == invocation.request_id
        assert invocation.trace_id and f"Root={invocation.trace_id};" in answer["trace"]
        # The function's one line, in the runtime's JSON format, naming its request: among lines of three others.
        [line] = [json.loads(line) for line in invocation.logs]
        assert line["requestId"] == invocation.request_id and line["level"] == "INFO" and line["logger"] == "multi"
        assert line["message"] == f"served by worker {answer['pid']}"
        [start] = records(invocation.stream, "platform.start")
        [report] = records(invocation.stream, "platform.report")
        assert start["requestId"] == report["requestId"] == invocation.request_id
        assert start["functionArn"] == environment.config.arn and invocation.trace_id in start["tracing"]["value"]
        # LMI's report: the duration only, no billed duration, memory or init duration.
        assert report["status"] == "success" and set(report["metrics"]) == {"durationMs"}
    output = environment.output()
    [init_start] = records(output, "platform.initStart")
    [init_report] = records(output, "platform.initReport")
    assert init_start["initializationType"] == init_report["initializationType"] == "lambda-managed-instances"
    assert init_start["instanceMaxMemory"] == 2048 * 1024 * 1024 and init_report["status"] == "success"
    assert not [line for line in output if line.startswith(("START ", "END ", "REPORT "))]  # no Text line


def test_the_lines_of_workers_writing_at_once_never_mix(environment: LambdaProcess, tmp_prefix: str) -> None:
    """Each worker writes to its own stream (the FD-provider socket), as on Lambda Managed Instances: printed lines of
    3,000 characters from four workers at once come out whole."""
    served = at_once(environment, WORKERS, action="print", tmp=tmp_prefix)
    for invocation in served:
        printed = [line for line in invocation.logs if line.startswith("x")]
        assert len(printed) == 20 and all(line == f"{'x' * 3000} {invocation.request_id}" for line in printed)


def test_a_timeout_answers_the_caller_and_the_environment_keeps_serving(local: LocalApp, tmp_prefix: str) -> None:
    config = local.config(local.model.find("Multi")).but(timeout_seconds=0.5)
    with LambdaProcess(config, local.moto.endpoint_url) as environment:
        late = environment.invoke({"action": "sleep-1", "tmp": tmp_prefix})
        after = environment.invoke({"action": "sleep-0", "tmp": tmp_prefix})
        assert late.error == {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 0.50 seconds"}
        assert environment.alive and len(environment.worker_pids()) == WORKERS
    [report] = records(late.stream, "platform.report")
    assert (report["status"], report["errorType"]) == ("timeout", "Sandbox.Timedout")
    # The late request's worker still sleeps (it wrote its pid in its file before): another one answered.
    late_worker = int(Path(f"/tmp/{tmp_prefix}-{late.request_id}").read_text())
    assert after.error is None and after.result["pid"] != late_worker


def test_an_init_error_is_reported_once_though_every_worker_fails(local: LocalApp) -> None:
    config = local.config(local.model.find("Multi")).but(handler="index.missing")
    environment = LambdaProcess(config, local.moto.endpoint_url)
    with pytest.raises(InitError) as failed:
        environment.start()
    assert failed.value.error_type == "Runtime.HandlerNotFound"
    [report] = records(failed.value.logs, "platform.initReport")
    assert (report["status"], report["errorType"]) == ("error", "Runtime.HandlerNotFound")
    # Each worker logged its own failure (the runtime accepts the first report and refuses the rest with 403).
    logged = [json.loads(line) for line in failed.value.logs if line.startswith('{"timestamp"')]
    assert [entry.get("errorType") for entry in logged].count("Runtime.HandlerNotFound") == WORKERS
    assert not environment.alive and environment.worker_pids() == []


def test_local_sends_each_step_concurrently_into_one_environment(
    probe_project: Path, capsys: pytest.CaptureFixture[str], tmp_prefix: str
) -> None:
    assert run.main(["--assembly", str(FIXTURE), "--stack", STACK, "--concurrent", str(WORKERS)]) == 0
    out = capsys.readouterr().out
    assert f"managed instances: one environment of {WORKERS} workers (AWS_LAMBDA_MAX_CONCURRENCY)" in out
    assert f"sleep                    {WORKERS} at once: 200 x{WORKERS}" in out
    # Four requests at once on four workers: each saw the others' files in /tmp.
    assert len(list(Path("/tmp").glob(f"{tmp_prefix}-*"))) == WORKERS


@pytest.mark.parametrize(
    ("stack", "concurrent", "refusal"),
    [
        (
            STACK,
            5,
            "--concurrent 5: the function's environment serves 4 requests at once "
            "(PerExecutionEnvironmentMaxConcurrency); allowed: 1 to 4",
        ),
        (STACK, 0, "allowed: 1 to 4"),
        ("shop-dev-service", 2, "--concurrent 2: an on-demand environment serves one request at a time (allowed: 1)"),
    ],
)
def test_local_refuses_more_at_once_than_an_environment_serves(
    probe_project: Path, capsys: pytest.CaptureFixture[str], stack: str, concurrent: int, refusal: str
) -> None:
    assert run.main(["--assembly", str(FIXTURE), "--stack", stack, "--concurrent", str(concurrent)]) == 1
    assert refusal in capsys.readouterr().err
