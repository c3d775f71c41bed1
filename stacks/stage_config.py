"""Stage settings: one typed, validated object per stage (what a stage deploys; not ``config/config.json``, the
runtime's business config in S3, nor ``lambda_src/orders/limits.py``, which reads it).

Defaults for ``dev`` and ``prod`` live here; ``stacks/project.py`` reads ``cdk.json`` (context ``stages``,
which can also add stages) and ``-c`` flags over them. Everything is validated before a single construct
is built, so a bad value fails ``cdk synth`` with a message that names the stage, the field, the value and
what is allowed. A field's annotation says how its value is read (``stacks/typed_values.py``): adding a
setting is its field, its default in ``BASE`` and its check in ``stacks/stage_rules.py``.

Pure Python (no aws_cdk import) so the tools and unit tests can import it cheaply.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, get_type_hints

from stacks import typed_values
from stacks.naming import DEFAULT_PROJECT_NAME, stack_name
from stacks.stage_rules import ConfigError, check_stage_name, validate
from stacks.tracing_backends import DEFAULT_TRACING

DEFAULT_STAGE = "dev"
DEFAULT_REGION = "ap-northeast-1"


@dataclass(frozen=True)
class StageConfig:
    project_name: str
    stage: str
    account: str | None
    region: str
    memory_mb: int
    timeout_seconds: int
    architecture: str
    provisioned_concurrency: int
    log_retention_days: int
    removal_policy: str
    log_level: str
    config_ttl_seconds: int
    # Cold starts: "none" (on demand), "provisioned" (PC on the alias), "snapstart" or "managed-instances" (Lambda
    # Managed Instances: a capacity provider's EC2 instances, many requests per environment; the lmi_* settings).
    cold_start_strategy: str
    pc_max: int  # 0: fixed PC; otherwise target tracking between provisioned_concurrency and pc_max
    pc_target_utilization_percent: int
    pc_business_hours_min: int  # 0: no schedule; otherwise the PC floor during business hours
    business_hours_start_hour: int
    business_hours_end_hour: int
    schedule_timezone: str
    deployment: str  # CodeDeploy traffic shifting on the alias
    # false: CodeDeploy rolls back on the new version's alarms and its hook only, not the alias's or the API's (a
    # one-off, to deploy a fix while the broken version keeps those in ALARM; README "Canary deploys")
    rollback_on_alias_alarms: bool
    alarm_email: str | None
    duration_alarm_percent_of_timeout: int
    api_throttle_rate_limit: int  # requests per second, HTTP API default stage
    api_throttle_burst_limit: int
    tracing: str  # one of TRACING_BACKENDS: which packages the dependencies layer ships, or none
    # --- access control and blast radius (issue 10) ---
    api_authorization: str  # "none" | "iam" (SigV4) | "jwt"
    jwt_issuer: str | None  # with api_authorization="jwt": the token issuer (https URL)
    jwt_audience: tuple[str, ...]  # with api_authorization="jwt": accepted audiences (aud / client_id)
    cors_allowed_origins: tuple[str, ...]  # () : no CORS configuration (browsers on other origins are refused)
    order_retention_days: int | None  # None: orders never expire; else a DynamoDB TTL this many days after writing
    reserved_concurrency: int | None  # None: the account's unreserved pool; else the function's ceiling
    # --- Lambda Managed Instances (cold_start_strategy="managed-instances"; stacks/managed_instances_rules.py) ---
    lmi_memory_gib_per_vcpu: int  # 2, 4 or 8: memory_mb / (this x 1024) is each environment's vCPUs
    lmi_max_concurrency: int  # requests one environment serves at once (Python: worker processes, 16 per vCPU at most)
    lmi_min_environments: int  # per version: kept initialized whatever the traffic (3 at least, one per zone)
    lmi_max_environments: int  # per version: the most the capacity provider may scale it to
    lmi_max_vcpu_count: int | None  # None: derived from the environments with headroom (managed_instances_rules)
    lmi_instance_types: tuple[str, ...]  # () : Lambda chooses; else only these
    lmi_excluded_instance_types: tuple[str, ...]  # () : none excluded; never together with lmi_instance_types
    lmi_scaling_cpu_target_percent: int | None  # None: Lambda scales by itself; else target tracking on CPU
    lmi_availability_zones: tuple[str, ...]  # the 3 zones of the provider's subnets (synth cannot look them up)
    lmi_vpc_id: str | None  # None: a new VPC; else an existing one, with its lmi_subnet_ids
    lmi_subnet_ids: tuple[str, ...]  # an existing VPC's private subnets, one per zone, in that order
    lmi_route_table_ids: tuple[str, ...]  # an existing VPC's route tables of those subnets (lmi_egress="endpoints")
    lmi_egress: str  # "endpoints" (gateway + interface endpoints for what the functions call) or "nat"

    @property
    def is_retained(self) -> bool:
        return self.removal_policy == "retain"

    def stack_name(self, kind: str) -> str:
        return stack_name(self.project_name, self.stage, kind)


# Every stage starts from BASE; a stage's dict overrides it. Units are in the names.
BASE: dict[str, Any] = {
    "account": None,  # None: account-agnostic, resolved at deploy time (synth needs no credentials)
    "region": DEFAULT_REGION,
    "memory_mb": 512,
    "timeout_seconds": 10,
    "architecture": "arm64",  # Graviton: ~20 % cheaper per GB-second than x86_64
    "provisioned_concurrency": 0,
    "log_retention_days": 7,
    "removal_policy": "destroy",
    "log_level": "INFO",
    "config_ttl_seconds": 300,
    "cold_start_strategy": "none",
    "pc_max": 0,
    "pc_target_utilization_percent": 70,
    "pc_business_hours_min": 0,
    "business_hours_start_hour": 9,
    "business_hours_end_hour": 18,
    "schedule_timezone": "Asia/Tokyo",
    "deployment": "all_at_once",
    "rollback_on_alias_alarms": True,
    "alarm_email": None,
    "duration_alarm_percent_of_timeout": 80,
    "api_throttle_rate_limit": 50,
    "api_throttle_burst_limit": 100,
    "tracing": DEFAULT_TRACING,
    # --- access control and blast radius (issue 10) ---
    "api_authorization": "none",
    "jwt_issuer": None,
    "jwt_audience": (),
    "cors_allowed_origins": (),
    "order_retention_days": 7,
    "reserved_concurrency": None,
    # --- Lambda Managed Instances: read only with cold_start_strategy="managed-instances" ---
    "lmi_memory_gib_per_vcpu": 2,
    "lmi_max_concurrency": 16,
    "lmi_min_environments": 3,
    "lmi_max_environments": 10,
    "lmi_max_vcpu_count": None,
    "lmi_instance_types": (),
    "lmi_excluded_instance_types": (),
    "lmi_scaling_cpu_target_percent": None,
    "lmi_availability_zones": (),
    "lmi_vpc_id": None,
    "lmi_subnet_ids": (),
    "lmi_route_table_ids": (),
    "lmi_egress": "endpoints",
}
STAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    "dev": {},
    "prod": {
        "memory_mb": 1024,
        "cold_start_strategy": "provisioned",
        "provisioned_concurrency": 2,
        "pc_max": 10,
        "pc_business_hours_min": 4,
        "log_retention_days": 90,
        "removal_policy": "retain",
        "deployment": "canary_10_percent_5_minutes",
        "api_throttle_rate_limit": 500,
        "api_throttle_burst_limit": 1000,
        # --- access control and blast radius (issue 10) ---
        "api_authorization": "iam",
        "order_retention_days": None,
        "reserved_concurrency": 100,
    },
}
# The stages every project has (cdk.json's `stages` can add more): what the tests synthesize and snapshot.
BUILT_IN_STAGES = tuple(STAGE_DEFAULTS)


@functools.cache
def setting_types() -> dict[str, Any]:
    """Every per-stage setting and its annotation, which says how a cdk.json or ``-c`` value is read."""
    hints = get_type_hints(StageConfig)
    return {f.name: hints[f.name] for f in fields(StageConfig) if f.name not in ("project_name", "stage")}


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name a typo most likely meant (difflib), or None."""
    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _unknown_setting(stage: str, name: str) -> ConfigError:
    guess = closest(name, setting_types())
    hint = f"did you mean {guess!r}?" if guess else f"known settings: {', '.join(sorted(setting_types()))}"
    return ConfigError(f"stage {stage!r}: unknown setting {name!r}: {hint}")


def coerce(stage: str, name: str, value: Any) -> Any:
    """A cdk.json (JSON) or ``-c`` (string) value as the setting's type, or an error naming stage and field."""
    try:
        return typed_values.parse(setting_types()[name], value)
    except typed_values.TypedValueError as error:
        raise ConfigError(f"stage {stage!r}: {name}={value!r} {error}") from None


def build_stage_config(
    stage: str,
    *,
    project_name: str = DEFAULT_PROJECT_NAME,
    overrides: Mapping[str, Any] | None = None,
    base: StageConfig | None = None,
) -> StageConfig:
    """The settings of ``base`` (the stage an added stage extends) or ``stage``'s built-in defaults, then
    ``overrides``, validated."""
    check_stage_name(stage)
    if base is not None:
        values = {name: getattr(base, name) for name in setting_types()}
    elif stage in STAGE_DEFAULTS:
        values = {**BASE, **STAGE_DEFAULTS[stage]}
    else:
        raise ConfigError(f"stage={stage!r} is unknown: choose one of {', '.join(STAGE_DEFAULTS)}")
    for name, value in (overrides or {}).items():
        if name not in setting_types():
            raise _unknown_setting(stage, name)
        values[name] = coerce(stage, name, value)
    return validate(StageConfig(project_name=project_name, stage=stage, **values))
