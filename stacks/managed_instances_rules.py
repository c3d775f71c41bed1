"""Lambda Managed Instances (``cold_start_strategy="managed-instances"``): what each ``lmi_*`` setting may be, the
rules between them and the stage's other settings, and the capacity they add up to (``sizing``): how many vCPUs an
execution environment gets and the capacity provider's ``max_v_cpu_count``.

The limits are AWS's (docs/cold-starts.md names each source): memory 2–32 GB in whole vCPUs of the memory-per-vCPU
ratio (2, 4 or 8 GiB); Python serves at most 16 requests per vCPU of an environment; a version keeps at least
3 environments (one per availability zone); the provider's ``MaxVCpuCount`` is 12–15,000 and must hold the
environments of every version it keeps, or publishing fails ("MinimumExecutionEnvironments can't be provisioned").

Pure Python (no aws_cdk import), like ``stacks/stage_rules.py``, which calls ``check_managed_instances``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stacks.stage_errors import ConfigError, check_choice, check_range

if TYPE_CHECKING:
    from stacks.stage_config import StageConfig

STRATEGY = "managed-instances"
MEMORY_GIB_PER_VCPU = (2, 4, 8)
MEMORY_MB_RANGE = (2048, 32768)
# Python runs one worker process per concurrent request, at most 16 per vCPU (AWS: "Python runtime for Lambda
# Managed Instances"; PerExecutionEnvironmentMaxConcurrency).
PYTHON_CONCURRENCY_PER_VCPU = 16
# Three environments, one per availability zone, is AWS's default and its floor for AZ resiliency.
ENVIRONMENTS_RANGE = (3, 15000)
MAX_VCPU_COUNT_RANGE = (12, 15000)  # CloudFormation's (and CDK's) bounds of MaxVCpuCount
SCALING_CPU_TARGET_RANGE = (10, 90)
EGRESS = ("endpoints", "nat")
AVAILABILITY_ZONES = 3
# During a deploy the provider holds two versions: the one the alias serves (up to its maximum) and the new one
# (its minimum); older versions are deleted once the alias has moved (stacks/constructs/api_function.py).
VERSIONS_DURING_A_DEPLOY = 2
# LMI runs C, M and R instances of size large and up; each keeps 1 vCPU for itself (AWS's LMI pricing sample:
# "LMI reserves 1 vCPU and 1 GB for the operating system on each instance"). The smallest, large, has 2 vCPUs.
INSTANCE_FAMILIES = ("c", "m", "r")
SMALLEST_INSTANCE_VCPUS = 2
_INSTANCE_TYPE = re.compile(r"^(?P<family>[a-z]+)(?P<generation>\d+)(?P<options>[a-z-]*)\.(?P<size>[a-z0-9]+)$")
_SIZE = re.compile(r"^(?P<times>\d*)xlarge$|^large$|^metal$")
_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_ROUTE_TABLE_ID = re.compile(r"^rtb-[0-9a-f]{8,17}$")


@dataclass(frozen=True)
class Sizing:
    """What a stage's LMI settings add up to."""

    vcpus_per_environment: int
    environments: int  # the most environments the versions kept during a deploy hold at once
    smallest_instance_vcpus: int
    needed_vcpus: int  # what the versions kept during a deploy take, instances' own vCPU included
    max_v_cpu_count: int  # the provider's: the stage's setting, or needed_vcpus

    @property
    def why(self) -> str:
        return (
            f"the versions kept during a deploy: {self.environments} environments (lmi_max_environments + "
            f"lmi_min_environments) of {self.vcpus_per_environment} vCPU each, on instances of {self.smallest_instance_vcpus} vCPUs that keep "
            "1 for themselves, 3 instances at least"
        )


def instance_vcpus(size: str) -> int:
    """vCPUs of an instance size of the C, M and R families: large 2, xlarge 4, Nxlarge 4N (metal: the smallest)."""
    match = _SIZE.fullmatch(size)
    assert match, size
    if size in ("large", "metal"):
        return SMALLEST_INSTANCE_VCPUS
    return 4 * int(match["times"] or 1)


def sizing(cfg: StageConfig) -> Sizing:
    vcpus = cfg.memory_mb // (cfg.lmi_memory_gib_per_vcpu * 1024)
    sizes = [instance_vcpus(name.split(".", 1)[1]) for name in cfg.lmi_instance_types]
    smallest = min(sizes, default=SMALLEST_INSTANCE_VCPUS)
    environments = cfg.lmi_max_environments + (VERSIONS_DURING_A_DEPLOY - 1) * cfg.lmi_min_environments
    needed = max(
        MAX_VCPU_COUNT_RANGE[0],
        AVAILABILITY_ZONES * smallest,
        math.ceil(environments * vcpus * smallest / (smallest - 1)),
    )
    return Sizing(vcpus, environments, smallest, needed, cfg.lmi_max_vcpu_count or needed)


def check_managed_instances(cfg: StageConfig) -> None:
    """The lmi_* settings on their own (every stage), then, under the strategy, the rules between them and the
    stage's other settings."""
    s = cfg.stage
    check_choice(s, "lmi_memory_gib_per_vcpu", cfg.lmi_memory_gib_per_vcpu, MEMORY_GIB_PER_VCPU)
    check_range(s, "lmi_min_environments", cfg.lmi_min_environments, ENVIRONMENTS_RANGE, "execution environments")
    check_range(s, "lmi_max_environments", cfg.lmi_max_environments, ENVIRONMENTS_RANGE, "execution environments")
    if cfg.lmi_max_environments < cfg.lmi_min_environments:
        raise ConfigError(
            f"stage {s!r}: lmi_max_environments={cfg.lmi_max_environments} is out of range: allowed "
            f"lmi_min_environments={cfg.lmi_min_environments}–{ENVIRONMENTS_RANGE[1]}"
        )
    if cfg.lmi_scaling_cpu_target_percent is not None:
        check_range(
            s,
            "lmi_scaling_cpu_target_percent",
            cfg.lmi_scaling_cpu_target_percent,
            SCALING_CPU_TARGET_RANGE,
            "percent (or unset: Lambda scales by itself)",
        )
    check_choice(s, "lmi_egress", cfg.lmi_egress, EGRESS)
    _check_instance_types(cfg)
    _check_network(cfg)
    if cfg.cold_start_strategy == STRATEGY:
        _check_strategy(cfg)


def _check_instance_types(cfg: StageConfig) -> None:
    s = cfg.stage
    if cfg.lmi_instance_types and cfg.lmi_excluded_instance_types:
        raise ConfigError(
            f"stage {s!r}: lmi_instance_types={list(cfg.lmi_instance_types)!r}, lmi_excluded_instance_types="
            f"{list(cfg.lmi_excluded_instance_types)!r}: a capacity provider allows instance types or excludes them, "
            "not both; set one"
        )
    for name in ("lmi_instance_types", "lmi_excluded_instance_types"):
        for instance_type in getattr(cfg, name):
            match = _INSTANCE_TYPE.fullmatch(instance_type)
            if not (match and match["family"] in INSTANCE_FAMILIES and _SIZE.fullmatch(match["size"])):
                raise ConfigError(
                    f"stage {s!r}: {name} has {instance_type!r}, which is not allowed: an instance type of the C, M or "
                    "R families, size large and up, like 'm7g.xlarge' or 'c7i.2xlarge'"
                )
            graviton = "g" in match["options"]
            if name == "lmi_instance_types" and graviton != (cfg.architecture == "arm64"):
                wanted = (
                    "a Graviton type ('m7g.xlarge')" if cfg.architecture == "arm64" else "an x86 type ('m7i.xlarge')"
                )
                raise ConfigError(
                    f"stage {s!r}: lmi_instance_types has {instance_type!r}, which is not allowed with "
                    f"architecture={cfg.architecture!r}: the capacity provider's instances must match the function's "
                    f"architecture; choose {wanted}"
                )


def _check_network(cfg: StageConfig) -> None:
    s = cfg.stage
    for name, pattern, example in (
        ("lmi_subnet_ids", _SUBNET_ID, "subnet-0123456789abcdef0"),
        ("lmi_route_table_ids", _ROUTE_TABLE_ID, "rtb-0123456789abcdef0"),
    ):
        for value in getattr(cfg, name):
            if not pattern.fullmatch(value):
                raise ConfigError(f"stage {s!r}: {name} has {value!r}, which is not an id like {example!r}")
    if cfg.lmi_vpc_id is not None and not _VPC_ID.fullmatch(cfg.lmi_vpc_id):
        raise ConfigError(
            f"stage {s!r}: lmi_vpc_id={cfg.lmi_vpc_id!r} is not allowed: a VPC id like 'vpc-0123456789abcdef0', or "
            "unset (a new VPC)"
        )
    zone = re.compile(rf"^{re.escape(cfg.region)}[a-z]$")
    for name in cfg.lmi_availability_zones:
        if not zone.fullmatch(name):
            raise ConfigError(
                f"stage {s!r}: lmi_availability_zones has {name!r}, which is not an availability zone of "
                f"region={cfg.region!r} like '{cfg.region}a'"
            )


def _check_strategy(cfg: StageConfig) -> None:
    """What the strategy needs from the rest of the stage, and what it cannot be combined with."""
    s, ratio = cfg.stage, cfg.lmi_memory_gib_per_vcpu
    where = f"with cold_start_strategy={STRATEGY!r}"
    if cfg.provisioned_concurrency or cfg.pc_max or cfg.pc_business_hours_min:
        raise ConfigError(
            f"stage {s!r}: provisioned_concurrency={cfg.provisioned_concurrency}, pc_max={cfg.pc_max}, "
            f"pc_business_hours_min={cfg.pc_business_hours_min} is not allowed {where}: a managed-instances version "
            "keeps lmi_min_environments environments initialized itself and takes no provisioned concurrency (use 0)"
        )
    if cfg.reserved_concurrency is not None:
        raise ConfigError(
            f"stage {s!r}: reserved_concurrency={cfg.reserved_concurrency} is not allowed {where}: the function's "
            "ceiling is its versions' lmi_max_environments x lmi_max_concurrency and the provider's max_v_cpu_count, "
            "not the account's on-demand pool (unset it: none)"
        )
    low, high = MEMORY_MB_RANGE
    step = ratio * 1024
    if not (low <= cfg.memory_mb <= high and cfg.memory_mb % step == 0):
        raise ConfigError(
            f"stage {s!r}: memory_mb={cfg.memory_mb} is not allowed {where}: {low}–{high} MB in whole vCPUs of "
            f"lmi_memory_gib_per_vcpu={ratio} GiB, a multiple of {step} ({', '.join(map(str, range(step, 3 * step + 1, step)))}, ...)"
        )
    vcpus = cfg.memory_mb // step
    check_range(
        s,
        "lmi_max_concurrency",
        cfg.lmi_max_concurrency,
        (1, PYTHON_CONCURRENCY_PER_VCPU * vcpus),
        f"requests per environment (Python: {PYTHON_CONCURRENCY_PER_VCPU} per vCPU, and memory_mb={cfg.memory_mb} "
        f"gives {vcpus})",
    )
    _check_zones(cfg)
    size = sizing(cfg)
    if cfg.lmi_max_vcpu_count is not None and not (
        size.needed_vcpus <= cfg.lmi_max_vcpu_count <= MAX_VCPU_COUNT_RANGE[1]
    ):
        raise ConfigError(
            f"stage {s!r}: lmi_max_vcpu_count={cfg.lmi_max_vcpu_count} is out of range: allowed "
            f"{size.needed_vcpus}–{MAX_VCPU_COUNT_RANGE[1]} ({size.why}), or unset (derived: {size.needed_vcpus})"
        )


def _check_zones(cfg: StageConfig) -> None:
    s, zones = cfg.stage, cfg.lmi_availability_zones
    example = [f"{cfg.region}{letter}" for letter in "acd"]
    if len(zones) != AVAILABILITY_ZONES or len(set(zones)) != AVAILABILITY_ZONES:
        raise ConfigError(
            f"stage {s!r}: lmi_availability_zones={list(zones)!r} is not allowed with cold_start_strategy="
            f"{STRATEGY!r}: {AVAILABILITY_ZONES} different zones of region {cfg.region!r}, e.g. {example!r} (the "
            "stacks are environment-agnostic: CDK cannot look them up)"
        )
    if cfg.lmi_vpc_id is None:
        if cfg.lmi_subnet_ids or cfg.lmi_route_table_ids:
            raise ConfigError(
                f"stage {s!r}: lmi_subnet_ids={list(cfg.lmi_subnet_ids)!r}, lmi_route_table_ids="
                f"{list(cfg.lmi_route_table_ids)!r} need lmi_vpc_id (an existing VPC); unset them for a new VPC"
            )
        return
    if len(cfg.lmi_subnet_ids) != AVAILABILITY_ZONES:
        raise ConfigError(
            f"stage {s!r}: lmi_subnet_ids={list(cfg.lmi_subnet_ids)!r} is not allowed with lmi_vpc_id="
            f"{cfg.lmi_vpc_id!r}: {AVAILABILITY_ZONES} private subnets of that VPC, one in each of "
            f"lmi_availability_zones, in that order"
        )
    wanted = AVAILABILITY_ZONES if cfg.lmi_egress == "endpoints" else 0
    if len(cfg.lmi_route_table_ids) != wanted:
        allowed = (
            "one per subnet, in the same order (the S3 and DynamoDB gateway endpoints are routes in them)"
            if wanted
            else "none: with lmi_egress='nat' the VPC's own routes take the traffic out and nothing is added to them"
        )
        raise ConfigError(
            f"stage {s!r}: lmi_route_table_ids={list(cfg.lmi_route_table_ids)!r} is not allowed with "
            f"lmi_egress={cfg.lmi_egress!r}: {allowed}"
        )
