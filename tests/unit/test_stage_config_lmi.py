"""The managed-instances strategy's settings, through the public entry point (``build_stage_config``): what a stage
must give it, each combination AWS would refuse or that would break later, refused with the message synth prints, and
the capacity the provider gets (``sizing``)."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.managed_instances_rules import sizing
from stacks.stage_config import build_stage_config
from stacks.stage_rules import ConfigError

ZONES = ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
LMI = {"cold_start_strategy": "managed-instances", "memory_mb": 2048, "lmi_availability_zones": ZONES}
EXISTING_VPC = {
    "lmi_vpc_id": "vpc-0123456789abcdef0",
    "lmi_subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"],
    "lmi_route_table_ids": ["rtb-0123456789abcdef0", "rtb-0123456789abcdef1", "rtb-0123456789abcdef2"],
}

ACCEPTED: list[dict[str, Any]] = [
    LMI,
    {**LMI, "memory_mb": 32768},
    {**LMI, "memory_mb": 8192, "lmi_memory_gib_per_vcpu": 8},
    {**LMI, "memory_mb": 4096, "lmi_max_concurrency": 32},  # 2 vCPUs x 16
    {**LMI, "lmi_max_concurrency": 1},
    {**LMI, "lmi_min_environments": 3, "lmi_max_environments": 3},
    {**LMI, "lmi_max_vcpu_count": 26},  # exactly what 10 + 3 environments need
    {**LMI, "lmi_max_vcpu_count": 15000},
    {**LMI, "lmi_instance_types": ["m7g.xlarge", "c7g.large", "r8g.2xlarge"]},
    {**LMI, "lmi_excluded_instance_types": ["m7g.metal", "c7gn.16xlarge"]},
    {**LMI, "architecture": "x86_64", "lmi_instance_types": ["m7i.xlarge", "c7a.large", "m7i-flex.large"]},
    {**LMI, "lmi_scaling_cpu_target_percent": 10},
    {**LMI, "lmi_egress": "nat"},
    {**LMI, **EXISTING_VPC},
    {**LMI, **EXISTING_VPC, "lmi_egress": "nat", "lmi_route_table_ids": []},
    # prod as a managed-instances stage: its PC and reserved concurrency unset.
    {**LMI, "provisioned_concurrency": 0, "pc_max": 0, "pc_business_hours_min": 0, "reserved_concurrency": None},
]


@pytest.mark.parametrize("overrides", ACCEPTED, ids=range(len(ACCEPTED)))
def test_a_managed_instances_stage_is_accepted_as_given(overrides: dict[str, Any]) -> None:
    config = build_stage_config("prod" if "reserved_concurrency" in overrides else "dev", overrides=overrides)
    assert config.cold_start_strategy == "managed-instances"
    assert {name: getattr(config, name) for name in overrides} == {
        name: tuple(value) if isinstance(value, list) else value for name, value in overrides.items()
    }


WHERE = "is not allowed with cold_start_strategy='managed-instances'"
REFUSED: list[tuple[str, dict[str, Any], str]] = [
    (
        "prod",
        LMI,
        f"provisioned_concurrency=2, pc_max=10, pc_business_hours_min=4 {WHERE}: a managed-instances version keeps "
        "lmi_min_environments environments initialized itself and takes no provisioned concurrency (use 0)",
    ),
    (
        "prod",
        {**LMI, "provisioned_concurrency": 0, "pc_max": 0, "pc_business_hours_min": 0},
        f"reserved_concurrency=100 {WHERE}: the function's ceiling is its versions' lmi_max_environments x "
        "lmi_max_concurrency and the provider's max_v_cpu_count, not the account's on-demand pool (unset it: none)",
    ),
    (
        "dev",
        {**LMI, "memory_mb": 1024},
        f"memory_mb=1024 {WHERE}: 2048–32768 MB in whole vCPUs of lmi_memory_gib_per_vcpu=2 GiB, a multiple of 2048 "
        "(2048, 4096, 6144, ...)",
    ),
    (
        "dev",
        {**LMI, "memory_mb": 34816},
        f"memory_mb=34816 {WHERE}: 2048–32768 MB in whole vCPUs of lmi_memory_gib_per_vcpu=2 GiB, a multiple of 2048 "
        "(2048, 4096, 6144, ...)",
    ),
    (
        "dev",
        {**LMI, "memory_mb": 6144, "lmi_memory_gib_per_vcpu": 4},
        f"memory_mb=6144 {WHERE}: 2048–32768 MB in whole vCPUs of lmi_memory_gib_per_vcpu=4 GiB, a multiple of 4096 "
        "(4096, 8192, 12288, ...)",
    ),
    ("dev", {**LMI, "lmi_memory_gib_per_vcpu": 3}, "lmi_memory_gib_per_vcpu=3 is not allowed: choose one of 2, 4, 8"),
    (
        "dev",
        {**LMI, "lmi_max_concurrency": 17},
        "lmi_max_concurrency=17 is out of range: allowed 1–16 requests per environment (Python: 16 per vCPU, and "
        "memory_mb=2048 gives 1)",
    ),
    (
        "dev",
        {**LMI, "lmi_min_environments": 2},
        "lmi_min_environments=2 is out of range: allowed 3–15000 execution environments",
    ),
    (
        "dev",
        {**LMI, "lmi_min_environments": 5, "lmi_max_environments": 4},
        "lmi_max_environments=4 is out of range: allowed lmi_min_environments=5–15000",
    ),
    (
        "dev",
        {**LMI, "lmi_max_vcpu_count": 25},
        "lmi_max_vcpu_count=25 is out of range: allowed 26–15000 (the versions kept during a deploy: 13 environments "
        "(lmi_max_environments + lmi_min_environments) of 1 vCPU each, on instances of 2 vCPUs that keep 1 for "
        "themselves, 3 instances at least), or unset (derived: 26)",
    ),
    (
        "dev",
        {**LMI, "lmi_instance_types": ["m7i.xlarge"]},
        "lmi_instance_types has 'm7i.xlarge', which is not allowed with architecture='arm64': the capacity provider's "
        "instances must match the function's architecture; choose a Graviton type ('m7g.xlarge')",
    ),
    (
        "dev",
        {**LMI, "architecture": "x86_64", "lmi_instance_types": ["c7g.xlarge"]},
        "lmi_instance_types has 'c7g.xlarge', which is not allowed with architecture='x86_64': the capacity "
        "provider's instances must match the function's architecture; choose an x86 type ('m7i.xlarge')",
    ),
    (
        "dev",
        {**LMI, "lmi_instance_types": ["t4g.large"]},
        "lmi_instance_types has 't4g.large', which is not allowed: an instance type of the C, M or R families, size "
        "large and up, like 'm7g.xlarge' or 'c7i.2xlarge'",
    ),
    (
        "dev",
        {**LMI, "lmi_excluded_instance_types": ["m7g.medium"]},
        "lmi_excluded_instance_types has 'm7g.medium', which is not allowed: an instance type of the C, M or R "
        "families, size large and up, like 'm7g.xlarge' or 'c7i.2xlarge'",
    ),
    (
        "dev",
        {**LMI, "lmi_instance_types": ["m7g.xlarge"], "lmi_excluded_instance_types": ["c7g.large"]},
        "lmi_instance_types=['m7g.xlarge'], lmi_excluded_instance_types=['c7g.large']: a capacity provider allows "
        "instance types or excludes them, not both; set one",
    ),
    (
        "dev",
        {**LMI, "lmi_scaling_cpu_target_percent": 95},
        "lmi_scaling_cpu_target_percent=95 is out of range: allowed 10–90 percent (or unset: Lambda scales by itself)",
    ),
    ("dev", {**LMI, "lmi_egress": "internet"}, "lmi_egress='internet' is not allowed: choose one of endpoints, nat"),
    (
        "dev",
        {"cold_start_strategy": "managed-instances", "memory_mb": 2048},
        f"lmi_availability_zones=[] {WHERE}: 3 different zones of region 'ap-northeast-1', e.g. ['ap-northeast-1a', "
        "'ap-northeast-1c', 'ap-northeast-1d'] (the stacks are environment-agnostic: CDK cannot look them up)",
    ),
    (
        "dev",
        {**LMI, "lmi_availability_zones": ["ap-northeast-1a", "ap-northeast-1a", "ap-northeast-1c"]},
        f"lmi_availability_zones=['ap-northeast-1a', 'ap-northeast-1a', 'ap-northeast-1c'] {WHERE}: 3 different zones "
        "of region 'ap-northeast-1', e.g. ['ap-northeast-1a', 'ap-northeast-1c', 'ap-northeast-1d'] (the stacks are "
        "environment-agnostic: CDK cannot look them up)",
    ),
    (
        "dev",
        {**LMI, "lmi_availability_zones": ["us-east-1a", "us-east-1b", "us-east-1c"]},
        "lmi_availability_zones has 'us-east-1a', which is not an availability zone of region='ap-northeast-1' like "
        "'ap-northeast-1a'",
    ),
    (
        "dev",
        {**LMI, "lmi_vpc_id": "vpc-12"},
        "lmi_vpc_id='vpc-12' is not allowed: a VPC id like 'vpc-0123456789abcdef0', or unset (a new VPC)",
    ),
    (
        "dev",
        {**LMI, "lmi_subnet_ids": EXISTING_VPC["lmi_subnet_ids"]},
        "lmi_subnet_ids=['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1', 'subnet-0123456789abcdef2'], "
        "lmi_route_table_ids=[] need lmi_vpc_id (an existing VPC); unset them for a new VPC",
    ),
    (
        "dev",
        {**LMI, **EXISTING_VPC, "lmi_subnet_ids": ["subnet-0123456789abcdef0"]},
        "lmi_subnet_ids=['subnet-0123456789abcdef0'] is not allowed with lmi_vpc_id='vpc-0123456789abcdef0': 3 "
        "private subnets of that VPC, one in each of lmi_availability_zones, in that order",
    ),
    (
        "dev",
        {**LMI, **EXISTING_VPC, "lmi_route_table_ids": []},
        "lmi_route_table_ids=[] is not allowed with lmi_egress='endpoints': one per subnet, in the same order (the S3 "
        "and DynamoDB gateway endpoints are routes in them)",
    ),
    (
        "dev",
        {**LMI, **EXISTING_VPC, "lmi_egress": "nat"},
        "lmi_route_table_ids=['rtb-0123456789abcdef0', 'rtb-0123456789abcdef1', 'rtb-0123456789abcdef2'] is not "
        "allowed with lmi_egress='nat': none: with lmi_egress='nat' the VPC's own routes take the traffic out and "
        "nothing is added to them",
    ),
    (
        "dev",
        {**LMI, "lmi_subnet_ids": ["sub-1"]},
        "lmi_subnet_ids has 'sub-1', which is not an id like 'subnet-0123456789abcdef0'",
    ),
]


@pytest.mark.parametrize(("stage", "overrides", "message"), REFUSED, ids=[m[:40] for _, _, m in REFUSED])
def test_a_combination_aws_would_refuse_is_refused_at_synth(
    stage: str, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        build_stage_config(stage, overrides=overrides)
    assert str(error.value) == f"stage {stage!r}: {message}"


def test_the_lmi_settings_are_checked_in_every_stage_their_combination_only_under_the_strategy() -> None:
    # A bad value is refused whatever the strategy; what only the strategy needs (zones, memory) is not.
    with pytest.raises(ConfigError, match="lmi_egress='internet' is not allowed"):
        build_stage_config("dev", overrides={"lmi_egress": "internet"})
    assert build_stage_config("dev", overrides={"lmi_availability_zones": ZONES[:1]}).memory_mb == 512


@pytest.mark.parametrize(
    ("overrides", "vcpus", "needed"),
    [
        ({}, 1, 26),  # (10 + 3) x 1 on large (2 vCPUs, 1 for the instance)
        ({"memory_mb": 8192, "lmi_memory_gib_per_vcpu": 4}, 2, 52),
        ({"lmi_instance_types": ["m7g.2xlarge"]}, 1, 24),  # 13 x 8/7 = 14.9 -> 15; but 3 instances of 8 vCPUs: 24
        ({"lmi_instance_types": ["m7g.4xlarge", "m7g.xlarge"], "lmi_max_environments": 40}, 1, 58),  # 43 x 4/3
        ({"lmi_min_environments": 3, "lmi_max_environments": 3}, 1, 12),  # 6 x 2; CloudFormation's floor is 12
    ],
)
def test_the_providers_vcpus_hold_both_versions_of_a_deploy(overrides: dict[str, Any], vcpus: int, needed: int) -> None:
    size = sizing(build_stage_config("dev", overrides={**LMI, **overrides}))
    assert (size.vcpus_per_environment, size.needed_vcpus, size.max_v_cpu_count) == (vcpus, needed, needed)


def test_a_stage_may_give_the_provider_more_vcpus_than_it_needs() -> None:
    size = sizing(build_stage_config("dev", overrides={**LMI, "lmi_max_vcpu_count": 400}))
    assert (size.needed_vcpus, size.max_v_cpu_count) == (26, 400)
