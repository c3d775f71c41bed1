"""The project as ``cdk synth`` sees it: its name and every stage's settings, read from CDK context.

The one resolver of names and stages: ``app.py`` reads the context the CDK CLI hands it (cdk.json's
``context`` merged with ``-c`` flags); the tests, the tools and the benchmarks read cdk.json with
``load_project()``. A fork renames everything and adds stages in cdk.json, nowhere else.

Context keys:

- ``project_name``: prefixes every stack name (default ``lambda-deep-dive``);
- ``stage``: the stage(s) to synthesize: one name, a comma-separated list, or ``all``;
- ``stages``: per-stage settings, ``{"prod": {"memory_mb": 2048}}``; a new entry adds a stage that starts
  from another one: ``{"staging": {"extends": "prod", "provisioned_concurrency": 1}}``;
- ``<stage>.<setting>``: one setting of one stage, ``-c prod.memory_mb=2048`` (over cdk.json);
- ``power_tuning``: ``true`` adds the opt-in Power Tuning stack per stage;
- ``guard``: ``true`` adds AWS's Guard rules to synth, as ``make synth``, ``make diff``, ``make deploy`` and
  ``make policy-checks`` pass it; a plain ``cdk synth`` (and ``make serve``'s, the tests') skips them: ~10 s of
  every synth that gates nothing the commands that ship do not gate again. cdk-nag always runs.

CDK's own keys (feature flags ``@aws-cdk/...``, ``aws:cdk:...``, lookups ``<provider>:...``, and the CLI's
``acknowledged-issue-numbers`` and ``cli-telemetry``) pass untouched. Any other key is refused with the
closest known name: a typo never synthesizes silently.

Pure Python (no aws_cdk import): the tools import it to find the stacks cheaply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacks import typed_values
from stacks.naming import DEFAULT_PROJECT_NAME
from stacks.stage_config import (
    DEFAULT_STAGE,
    STAGE_DEFAULTS,
    StageConfig,
    build_stage_config,
    closest,
    setting_types,
)
from stacks.stage_rules import ALL_STAGES, ConfigError, check_stage_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT_KEYS = ("project_name", "stage", "stages", "power_tuning", "guard")
EXTENDS = "extends"
# Keys without ':' that the CDK CLI itself writes into cdk.json (`cdk acknowledge`, `cdk cli-telemetry`).
CDK_CLI_KEYS = ("acknowledged-issue-numbers", "cli-telemetry")
# The Power Tuning application's stateMachineNamePrefix takes 43 characters of [a-zA-Z0-9-_] (project and stage
# names are lowercase letters, digits and '-').
POWER_TUNING_PREFIX_MAX = 43


@dataclass(frozen=True)
class Project:
    name: str
    stages: Mapping[str, StageConfig]  # every stage: dev, prod, then cdk.json's added ones, in file order
    selected: tuple[str, ...]  # the `stage` context
    power_tuning: bool
    guard: bool = False

    @property
    def selected_configs(self) -> list[StageConfig]:
        return [self.stages[name] for name in self.selected]

    @property
    def default_stage(self) -> str | None:
        """The stage commands act on when none is named: the `stage` context, if it names one stage."""
        return self.selected[0] if len(self.selected) == 1 else None

    def stage(self, name: str) -> StageConfig:
        if name not in self.stages:
            raise _unknown_stage(name, self.stages)
        return self.stages[name]


def power_tuning_prefix(config: StageConfig) -> str:
    """The stage's Power Tuning state machine is named like its stack: ``<project>-<stage>-power-tuning``."""
    return config.stack_name("power-tuning")


def is_cdk_key(key: str) -> bool:
    return key.startswith("@") or ":" in key or key in CDK_CLI_KEYS


def read_project(context: Mapping[str, Any]) -> Project:
    """Every stage's validated settings and the selection, from the whole CDK context."""
    name = context.get("project_name") or DEFAULT_PROJECT_NAME
    if not isinstance(name, str):
        raise ConfigError(f"project_name={name!r} is not a string")
    entries = _stage_entries(context.get("stages"))
    flags = _stage_flags(context, known_stages=[*STAGE_DEFAULTS, *entries])
    resolved: dict[str, StageConfig] = {}
    stages = {stage: _resolve(stage, name, entries, flags, resolved, ()) for stage in [*STAGE_DEFAULTS, *entries]}
    selected = _selection(context.get("stage"), stages)
    power_tuning = _flag("power_tuning", context.get("power_tuning"), default=False)
    if power_tuning:
        for stage in selected:
            if len(power_tuning_prefix(stages[stage])) > POWER_TUNING_PREFIX_MAX:
                raise ConfigError(
                    f"project_name={name!r} with stage {stage!r} is too long for power_tuning=true: "
                    f"'<project>-<stage>-power-tuning' may have {POWER_TUNING_PREFIX_MAX} characters at most"
                )
    guard = _flag("guard", context.get("guard"), default=False)
    return Project(name=name, stages=stages, selected=selected, power_tuning=power_tuning, guard=guard)


def cdk_json_context(root: Path = ROOT) -> dict[str, Any]:
    """cdk.json's ``context``: what every `cdk` command starts from."""
    context: dict[str, Any] = json.loads((root / "cdk.json").read_text(encoding="utf-8")).get("context", {})
    return context


def load_project(root: Path = ROOT, **context: Any) -> Project:
    """The project as cdk.json defines it (``context`` adds keys as ``-c`` would)."""
    return read_project({**cdk_json_context(root), **context})


# ---------------------------------------------------------------- reading the keys


def _stage_entries(value: Any) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(v, Mapping) for v in value.values()):
        raise ConfigError(f"context 'stages' must map stage names to settings, {{\"prod\": {{...}}}}; got {value!r}")
    for stage in value:
        if stage not in STAGE_DEFAULTS:
            check_stage_name(stage)
    return {stage: dict(settings) for stage, settings in value.items()}


def _stage_flags(context: Mapping[str, Any], known_stages: list[str]) -> dict[str, dict[str, Any]]:
    """``<stage>.<setting>`` keys by stage; every other key that is neither ours nor CDK's is refused."""
    flags: dict[str, dict[str, Any]] = {}
    for key, value in context.items():
        if is_cdk_key(key) or key in PROJECT_KEYS:
            continue
        stage, dot, setting = key.partition(".")
        if not dot:
            raise _unknown_key(key, known_stages)
        if stage not in known_stages:
            guess = closest(stage, known_stages)
            hint = f"did you mean '{guess}.{setting}'?" if guess else f"stages: {', '.join(known_stages)}"
            raise ConfigError(f"context key {key!r}: stage {stage!r} is unknown: {hint}")
        if setting not in setting_types():
            guess = closest(setting, setting_types())
            hint = f"did you mean '{stage}.{guess}'?" if guess else f"settings: {', '.join(setting_types())}"
            raise ConfigError(f"context key {key!r}: stage {stage!r} has no setting {setting!r}: {hint}")
        flags.setdefault(stage, {})[setting] = value
    return flags


def _unknown_key(key: str, known_stages: list[str]) -> ConfigError:
    if key in setting_types():
        return ConfigError(
            f"context key {key!r} names no stage: write '<stage>.{key}', e.g. -c {known_stages[0]}.{key}=..."
        )
    guess = closest(key, [*PROJECT_KEYS, *setting_types()])
    if guess in setting_types():
        hint = f"did you mean '<stage>.{guess}' (e.g. {known_stages[0]}.{guess})?"
    elif guess:
        hint = f"did you mean {guess!r}?"
    else:
        hint = f"known keys: {', '.join(PROJECT_KEYS)} and <stage>.<setting>"
    return ConfigError(f"unknown context key {key!r}: {hint}")


def _unknown_stage(stage: str, known: Any) -> ConfigError:
    guess = closest(stage, known)
    if guess:
        return ConfigError(f"stage={stage!r} is unknown: did you mean {guess!r}?")
    return ConfigError(
        f"stage={stage!r} is unknown: choose one of {', '.join(known)}, or add it in cdk.json: "
        f'"stages": {{"{stage}": {{"{EXTENDS}": "{DEFAULT_STAGE}"}}}}'
    )


def _resolve(
    stage: str,
    project: str,
    entries: Mapping[str, dict[str, Any]],
    flags: Mapping[str, dict[str, Any]],
    done: dict[str, StageConfig],
    chain: tuple[str, ...],
) -> StageConfig:
    """A stage's config: its parent's (``extends``) or built-in defaults, then cdk.json's entry, then ``-c``."""
    if stage in done:
        return done[stage]
    if stage in chain:
        raise ConfigError(f"stage {stage!r}: 'extends' goes round in a circle: {' -> '.join([*chain, stage])}")
    settings = dict(entries.get(stage, {}))
    parent = settings.pop(EXTENDS, None)
    base = None
    if stage in STAGE_DEFAULTS:
        if parent is not None:
            raise ConfigError(f'stage {stage!r} is built in: it extends no other stage (remove "{EXTENDS}")')
    elif parent is None:
        raise ConfigError(
            f"stage {stage!r} is added in cdk.json: name the stage it starts from, "
            f'e.g. "{EXTENDS}": "{DEFAULT_STAGE}" (one of {", ".join([*STAGE_DEFAULTS, *entries])})'
        )
    elif not isinstance(parent, str) or parent not in [*STAGE_DEFAULTS, *entries]:
        raise ConfigError(f"stage {stage!r}: {EXTENDS}: {_unknown_stage(str(parent), [*STAGE_DEFAULTS, *entries])}")
    else:
        base = _resolve(parent, project, entries, flags, done, (*chain, stage))
    done[stage] = build_stage_config(
        stage, project_name=project, overrides={**settings, **flags.get(stage, {})}, base=base
    )
    return done[stage]


def _selection(value: Any, stages: Mapping[str, StageConfig]) -> tuple[str, ...]:
    if value is None:
        return (DEFAULT_STAGE,)
    if not isinstance(value, str):
        raise ConfigError(f"stage={value!r} is not allowed: a stage name, a comma-separated list or {ALL_STAGES!r}")
    names = [n.strip() for n in value.split(",") if n.strip()]
    if names == [ALL_STAGES]:
        return tuple(stages)
    for name in names:
        if name not in stages:
            raise _unknown_stage(name, stages)
    return tuple(dict.fromkeys(names)) or (DEFAULT_STAGE,)


def _flag(key: str, value: Any, *, default: bool) -> bool:
    if value is None:
        return default
    try:
        return bool(typed_values.parse(bool, value))
    except typed_values.TypedValueError as error:
        raise ConfigError(f"{key}={value!r} {error}") from None
