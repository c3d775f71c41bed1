"""Reading the project from CDK context: every key checked (typos refused with the closest name), stages
added in cdk.json with ``extends``, CDK's own keys untouched, values read by their annotation."""

from __future__ import annotations

from typing import Any

import pytest

from stacks import typed_values
from stacks.naming import DEFAULT_PROJECT_NAME
from stacks.project import cdk_json_context, load_project, read_project
from stacks.stage_config import StageConfig, setting_types
from stacks.stage_rules import ConfigError

# The typos of the issue, and their neighbours: each is refused at synth, naming the closest known key.
REFUSED: list[tuple[dict[str, Any], str]] = [
    (
        {"stage": "prod", "prod.memory": "2048"},
        "context key 'prod.memory': stage 'prod' has no setting 'memory': did you mean 'prod.memory_mb'?",
    ),
    (
        {"stage": "prod", "memory_mb": "2048"},
        "context key 'memory_mb' names no stage: write '<stage>.memory_mb', e.g. -c dev.memory_mb=...",
    ),
    ({"memory": "2048"}, "unknown context key 'memory': did you mean '<stage>.memory_mb' (e.g. dev.memory_mb)?"),
    ({"stge": "prod"}, "unknown context key 'stge': did you mean 'stage'?"),
    ({"projectname": "shop"}, "unknown context key 'projectname': did you mean 'project_name'?"),
    (
        {"zzz": "1"},
        "unknown context key 'zzz': known keys: project_name, stage, stages, power_tuning, guard and <stage>.<setting>",
    ),
    ({"prd.memory_mb": "2048"}, "context key 'prd.memory_mb': stage 'prd' is unknown: did you mean 'prod.memory_mb'?"),
    ({"power_tuning": "yes"}, "power_tuning='yes' is not true or false"),
    ({"power_tuning": 1}, "power_tuning=1 is not true or false"),
    ({"stage": "prd"}, "stage='prd' is unknown: did you mean 'prod'?"),
    ({"stages": {"prod": {"memroy_mb": 2048}}}, "stage 'prod': unknown setting 'memroy_mb': did you mean 'memory_mb'?"),
    ({"stages": {"prod": {"xyz": 1}}}, "stage 'prod': unknown setting 'xyz': known settings: account,"),
    ({"stages": ["prod"]}, "context 'stages' must map stage names to settings"),
]


@pytest.mark.parametrize(("context", "message"), REFUSED, ids=[list(c)[-1] for c, _ in REFUSED])
def test_a_typo_is_refused_with_the_closest_known_name(context: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        read_project(context)
    assert str(error.value).startswith(message)


def test_cdk_own_keys_pass_untouched() -> None:
    context = {
        "@aws-cdk/aws-lambda:recognizeLayerVersion": True,  # feature flag
        "aws:cdk:bundling-stacks": ["**"],  # set by the CLI
        "availability-zones:account=111122223333:region=eu-west-1": ["eu-west-1a"],  # cdk.context.json lookup
        "acknowledged-issue-numbers": [32775],  # `cdk acknowledge`
        "cli-telemetry": False,  # `cdk cli-telemetry --disable`
    }
    assert read_project(context).selected == ("dev",)


def test_cdk_json_reads_as_is() -> None:
    project = load_project()
    assert project.name == cdk_json_context().get("project_name", DEFAULT_PROJECT_NAME)
    assert {"dev", "prod"} <= set(project.stages)


def test_booleans_are_true_or_false_only() -> None:
    assert read_project({"power_tuning": "true"}).power_tuning is True
    assert read_project({"power_tuning": "False"}).power_tuning is False
    assert read_project({"power_tuning": True}).power_tuning is True
    assert read_project({}).power_tuning is False


# --------------------------------------------------------------------------- stages added in cdk.json

STAGING = {"extends": "prod", "provisioned_concurrency": 1, "pc_max": 4, "pc_business_hours_min": 0}


def test_an_added_stage_starts_from_the_stage_it_extends() -> None:
    project = read_project(
        {
            "stage": "staging",
            "stages": {"prod": {"alarm_email": "ops@example.com"}, "staging": STAGING},
            "prod.memory_mb": "2048",
        }
    )
    staging, prod = project.stage("staging"), project.stage("prod")
    assert project.selected == ("staging",)
    assert staging.stack_name("service") == f"{DEFAULT_PROJECT_NAME}-staging-service"
    # prod as configured here (defaults, cdk.json, -c) ...
    assert (staging.memory_mb, staging.alarm_email, staging.removal_policy) == (2048, "ops@example.com", "retain")
    # ... and its own differences.
    assert (staging.provisioned_concurrency, staging.pc_max, prod.pc_max) == (1, 4, 10)


def test_added_stages_chain_and_take_flags() -> None:
    project = read_project(
        {
            "stage": "all",
            "stages": {"sandboxana": {"extends": "qa", "log_level": "DEBUG"}, "qa": {"extends": "dev"}},
            "sandboxana.memory_mb": "256",
        }
    )
    assert project.selected == ("dev", "prod", "sandboxana", "qa")
    sandbox = project.stage("sandboxana")
    assert (sandbox.log_level, sandbox.memory_mb, sandbox.removal_policy) == ("DEBUG", 256, "destroy")


STAGE_ERRORS = [
    (
        {"staging": {"memory_mb": 1024}},
        'stage \'staging\' is added in cdk.json: name the stage it starts from, e.g. "extends": "dev"',
    ),
    ({"staging": {"extends": "prd"}}, "stage 'staging': extends: stage='prd' is unknown: did you mean 'prod'?"),
    ({"prod": {"extends": "dev"}}, "stage 'prod' is built in: it extends no other stage (remove \"extends\")"),
    (
        {"qa": {"extends": "uat"}, "uat": {"extends": "qa"}},
        "stage 'qa': 'extends' goes round in a circle: qa -> uat -> qa",
    ),
    ({"eu-prod": {"extends": "prod"}}, "stage name 'eu-prod' is not allowed: 2–12 lowercase letters and digits"),
    ({"all": {"extends": "prod"}}, "stage name 'all' is not allowed"),
    ({"Staging": {"extends": "prod"}}, "stage name 'Staging' is not allowed"),
    ({"staging": {"extends": "prod", "memory_mb": 64}}, "stage 'staging': memory_mb=64 is out of range"),
]


@pytest.mark.parametrize(("stages", "message"), STAGE_ERRORS, ids=[m.split(":")[0] for _, m in STAGE_ERRORS])
def test_bad_added_stages_are_refused(stages: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        read_project({"stages": stages})
    assert str(error.value).startswith(message)


def test_every_stage_is_checked_not_only_the_selected_one() -> None:
    with pytest.raises(ConfigError, match="stage 'prod': memory_mb=99"):
        read_project({"stage": "dev", "prod.memory_mb": "99"})


def test_power_tuning_refuses_names_too_long_for_its_state_machine() -> None:
    with pytest.raises(ConfigError, match="too long for power_tuning=true"):
        read_project({"project_name": "a-very-long-project-name-indeed", "power_tuning": "true"})


# --------------------------------------------------------------------------- values read by annotation


def test_every_setting_has_a_supported_type() -> None:
    # A new StageConfig field of another type would otherwise fail only when someone sets it.
    assert all(typed_values.is_supported(annotation) for annotation in setting_types().values())
    assert set(setting_types()) == {f for f in StageConfig.__dataclass_fields__} - {"project_name", "stage"}


PARSED = [
    (bool, "true", True),
    (bool, "FALSE", False),
    (bool, False, False),
    (int, "-3", -3),
    (int, 2048, 2048),
    (int, 2048.0, 2048),
    (int | None, "none", None),
    (int | None, None, None),
    (int | None, "7", 7),
    (str, "x", "x"),
    (str | None, "null", None),
    (tuple[str, ...], "https://a.example, https://b.example", ("https://a.example", "https://b.example")),
    (tuple[str, ...], ["https://a.example"], ("https://a.example",)),
    (tuple[str, ...], "", ()),
    (tuple[str, ...] | None, "none", None),
]


@pytest.mark.parametrize(("annotation", "value", "expected"), PARSED)
def test_values_are_read_by_their_annotation(annotation: Any, value: Any, expected: Any) -> None:
    assert typed_values.parse(annotation, value) == expected


WRONG = [
    (bool, "yes", "is not true or false"),
    (bool, 1, "is not true or false"),
    (int, True, "is not an integer"),
    (int, "2k", "is not an integer"),
    (int, 1.5, "is not an integer"),
    (int | None, "x", "is not an integer or none"),
    (int, None, "is not an integer: this setting cannot be unset"),
    (str, 5, 'is not a string: quote it in cdk.json: "..."'),
    (tuple[str, ...], [1, 2], 'is not a list of strings: ["a", "b"] in cdk.json, a,b with -c'),
]


@pytest.mark.parametrize(("annotation", "value", "message"), WRONG)
def test_wrong_values_say_what_is_allowed(annotation: Any, value: Any, message: str) -> None:
    with pytest.raises(typed_values.TypedValueError) as error:
        typed_values.parse(annotation, value)
    assert str(error.value) == message
