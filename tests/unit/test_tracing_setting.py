"""The stage setting `tracing`: xray-sdk by default in every stage, otel or off on request, anything else
refused at synth naming the stage, the field and the choices."""

from __future__ import annotations

import pytest

from common import tracing
from stacks.project import read_project
from stacks.stage_config import STAGE_DEFAULTS, build_stage_config
from stacks.stage_rules import ConfigError
from stacks.tracing_backends import TRACING_BACKENDS, requirements_file


@pytest.mark.parametrize("stage", sorted(STAGE_DEFAULTS))
def test_xray_sdk_is_the_default_in_every_stage(stage: str) -> None:
    assert build_stage_config(stage).tracing == "xray-sdk"


def test_a_stage_selects_otel_or_off() -> None:
    context = {"stage": "dev,prod", "stages": {"dev": {"tracing": "off"}}, "prod.tracing": "otel"}
    dev, prod = read_project(context).selected_configs
    assert (dev.tracing, prod.tracing) == ("off", "otel")


def test_unknown_backend_is_refused_at_synth() -> None:
    with pytest.raises(ConfigError) as error:
        build_stage_config("prod", overrides={"tracing": "opentelemetry"})
    assert str(error.value) == (
        "stage 'prod': tracing='opentelemetry' is not allowed: choose one of xray-sdk, otel, off"
    )


def test_stack_and_runtime_know_the_same_backends() -> None:
    # stacks/ sets TRACING on the function, common/tracing.py reads it: one list, spelled in both places.
    assert TRACING_BACKENDS == tracing.BACKENDS


def test_off_has_no_layer_and_the_others_their_own_file() -> None:
    assert requirements_file("off") is None
    files = {requirements_file(b) for b in ("xray-sdk", "otel")}
    assert len(files) == 2 and all(f is not None and f.is_file() for f in files)
