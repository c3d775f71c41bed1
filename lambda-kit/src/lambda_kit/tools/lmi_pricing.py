"""What Lambda Managed Instances cost (pure functions, no AWS calls): the EC2 on-demand price of the capacity
provider's instances for every hour they run, a management fee on that on-demand price, the requests at Lambda's
request price, no duration; and the VPC's route out (interface endpoints, or NAT gateways with their addresses).

The fleet is what the workload needs (``fleet``), after the method of AWS's LMI pricing sample
(aws-samples/sample-aws-lambda-managed-instances, tools/pricing-calculator, docs/CALCULATOR_METHODOLOGY.md): average
concurrency (Little's law, traffic spread evenly over the period, as the provisioned-concurrency line assumes) over
the requests one environment serves at once, at least the versions' minimum environments; as many environments per
instance as its vCPUs and memory hold once the instance has kept 1 vCPU and 1 GiB for itself; three instances at
least, one per zone. Without the sample's 50 % scaling buffer and its CPU-per-request guess: ``--lmi-concurrency`` is
what one environment sustains, and ``--lmi-instances`` sets the fleet outright.

Prices come from ``tools/data/managed_instances_prices.json``, each with its source and status.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from lambda_kit.tools.pricing import SECONDS_PER_HOUR, CostLine, PriceError, Prices, Workload

LMI_PRICES_FILE = Path(__file__).parent / "data" / "managed_instances_prices.json"
STRATEGY = "managed-instances"
AVAILABILITY_ZONES = 3  # the provider's subnets: one instance, one endpoint ENI, one NAT gateway per zone
MIN_MEMORY_MB, MAX_MEMORY_MB = 2048, 32768
MEMORY_GIB_PER_VCPU = (2, 4, 8)
PYTHON_CONCURRENCY_PER_VCPU = 16
INSTANCE_VCPU_KEPT, INSTANCE_MIB_KEPT = 1, 1024  # what each instance keeps for itself (AWS's pricing sample)
EGRESS = ("endpoints", "nat")
# The family AWS's pricing sample pairs with each memory-per-vCPU ratio (c: 2 GiB, m: 4 GiB, r: 8 GiB per vCPU).
DEFAULT_FAMILIES = {("arm64", 2): "c7g", ("arm64", 4): "m7g", ("arm64", 8): "r7g"}
DEFAULT_FAMILIES |= {("x86_64", 2): "c7i", ("x86_64", 4): "m7i", ("x86_64", 8): "r7i"}
# The C, M and R families LMI runs have 2, 4 and 8 GiB per vCPU; sizes large (2 vCPUs), xlarge (4), Nxlarge (4N).
FAMILY_GIB_PER_VCPU = {"c": 2, "m": 4, "r": 8}
_INSTANCE_TYPE = re.compile(r"^(?P<family>[cmr])\d+[a-z-]*\.(?:(?P<times>\d*)xlarge|large)$")


@dataclass(frozen=True)
class InstancePrice:
    name: str
    vcpus: int
    memory_gib: int
    per_hour: float | None
    status: str


@dataclass(frozen=True)
class LmiPrices:
    region: str
    instance: InstancePrice
    management_fee_fraction: float
    interface_endpoint_per_az_hour: float | None
    nat_gateway_per_hour: float | None
    public_ipv4_per_hour: float | None
    source: str = ""
    as_of: str = ""
    status: dict[str, str] = field(default_factory=dict)

    def with_overrides(
        self, *, instance_price: float | None, endpoint_price: float | None, nat_price: float | None
    ) -> LmiPrices:
        """Prices given on the command line; their status becomes 'override'. A NAT price includes its address."""
        changes: dict[str, Any] = {"status": dict(self.status)}
        if instance_price is not None:
            changes["instance"] = replace(self.instance, per_hour=instance_price, status="override (command line)")
        if endpoint_price is not None:
            changes["interface_endpoint_per_az_hour"] = endpoint_price
            changes["status"]["interface_endpoint_per_az_hour"] = "override (command line)"
        if nat_price is not None:
            changes |= {"nat_gateway_per_hour": nat_price, "public_ipv4_per_hour": 0.0}
            changes["status"]["nat_gateway_per_hour"] = "override (command line)"
            changes["status"]["public_ipv4_per_hour"] = "override (command line): inside --lmi-nat-price"
        return replace(self, **changes)


@lru_cache(maxsize=1)
def _load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def default_instance_type(architecture: str, memory_gib_per_vcpu: int) -> str:
    return f"{DEFAULT_FAMILIES[(architecture, memory_gib_per_vcpu)]}.xlarge"


def instance_size(name: str) -> tuple[int, int]:
    """(vCPUs, GiB) of an instance type of the C, M or R families, from its name: ``m7g.2xlarge`` -> (8, 32)."""
    match = _INSTANCE_TYPE.fullmatch(name)
    if match is None:
        raise ValueError(f"--lmi-instance-type {name!r}: an instance type of the C, M or R families, large and up")
    vcpus = 2 if match["times"] is None else 4 * int(match["times"] or 1)
    return vcpus, vcpus * FAMILY_GIB_PER_VCPU[match["family"]]


def get_lmi_prices(region: str, instance_type: str, path: Path = LMI_PRICES_FILE) -> LmiPrices:
    data = _load(str(path))
    entry = data["prices"].get(region)
    if entry is None:
        raise PriceError(
            f"no Lambda Managed Instances prices for region {region!r} in {path.name} (known: "
            f"{', '.join(sorted(data['prices']))}); add it with its source and date"
        )
    known = entry["instances"].get(instance_type, {"per_hour": None, "status": f"null: no price for {region}"})
    instance = InstancePrice(instance_type, *instance_size(instance_type), known["per_hour"], known["status"])
    vpc = entry["vpc"]
    return LmiPrices(
        region=region,
        instance=instance,
        management_fee_fraction=data["management_fee"]["fraction"],
        interface_endpoint_per_az_hour=vpc["interface_endpoint_per_az_hour"],
        nat_gateway_per_hour=vpc["nat_gateway_per_hour"],
        public_ipv4_per_hour=vpc["public_ipv4_per_hour"],
        source=entry["source"],
        as_of=entry["as_of"],
        status={"management_fee_fraction": data["management_fee"]["status"], **vpc["status"]},
    )


@dataclass(frozen=True)
class LmiConfig:
    """A stage's managed-instances settings, as far as the price depends on them."""

    memory_gib_per_vcpu: int = 2
    memory_mb: int | None = None  # per environment; None: the function's memory, raised to LMI's smallest that fits
    concurrency: int | None = None  # per environment; None: Python's 16 per vCPU
    min_environments: int = 3
    instances: int | None = None  # None: what the workload needs (fleet)
    egress: str = "endpoints"
    interface_endpoints: int = 3  # the orders stage derives logs, xray, secretsmanager (lambda-kit hops lists them)
    ec2_discount: float = 0.0  # a Savings Plan's or Reserved Instance's, on the EC2 part only

    def environment_memory(self, function_memory_mb: int) -> int:
        """An environment's memory: as given, else the function's rounded up to whole vCPUs, 2,048 MB at least (a
        512 MB on-demand function runs on LMI's smallest environment)."""
        step = self.memory_gib_per_vcpu * 1024
        return self.memory_mb or max(MIN_MEMORY_MB, math.ceil(function_memory_mb / step) * step)

    def vcpus_per_environment(self, memory_mb: int) -> int:
        return memory_mb // (self.memory_gib_per_vcpu * 1024)

    def environment_concurrency(self, memory_mb: int) -> int:
        return self.concurrency or PYTHON_CONCURRENCY_PER_VCPU * self.vcpus_per_environment(memory_mb)


def validate(function_memory_mb: int, config: LmiConfig) -> None:
    memory_mb = config.environment_memory(function_memory_mb)
    step = config.memory_gib_per_vcpu * 1024
    if config.memory_gib_per_vcpu not in MEMORY_GIB_PER_VCPU:
        raise ValueError(
            f"--lmi-memory-per-vcpu must be one of {MEMORY_GIB_PER_VCPU}, got {config.memory_gib_per_vcpu}"
        )
    if not (MIN_MEMORY_MB <= memory_mb <= MAX_MEMORY_MB and memory_mb % step == 0):
        raise ValueError(
            f"--lmi-memory must be {MIN_MEMORY_MB}..{MAX_MEMORY_MB} MB in whole vCPUs of --lmi-memory-per-vcpu "
            f"{config.memory_gib_per_vcpu} GiB (a multiple of {step}), got {memory_mb}"
        )
    most = PYTHON_CONCURRENCY_PER_VCPU * config.vcpus_per_environment(memory_mb)
    if config.concurrency is not None and not 1 <= config.concurrency <= most:
        raise ValueError(f"--lmi-concurrency must be 1..{most} (16 per vCPU), got {config.concurrency}")
    if config.min_environments < 3 or (config.instances is not None and config.instances < AVAILABILITY_ZONES):
        raise ValueError("--lmi-min-environments and --lmi-instances must be 3 or more (one per zone)")
    if config.egress not in EGRESS or config.interface_endpoints < 0 or not 0 <= config.ec2_discount < 1:
        raise ValueError("--lmi-egress is endpoints or nat, --lmi-interface-endpoints >= 0, --lmi-ec2-discount 0..1")


@dataclass(frozen=True)
class Fleet:
    concurrency: float  # average concurrent requests
    environments: int
    environments_per_instance: int
    instances: int
    derived: bool  # False: --lmi-instances set it

    @property
    def rule(self) -> str:
        return (
            f"{self.concurrency:,.1f} concurrent requests on average -> {self.environments} environment(s), "
            f"{self.environments_per_instance} per instance -> {self.instances} instance(s)"
            + ("" if self.derived else " (--lmi-instances)")
        )


def fleet(w: Workload, config: LmiConfig, instance: InstancePrice) -> Fleet:
    memory = config.environment_memory(w.memory_mb)
    concurrency = w.invocations * w.avg_duration_ms / 1000 / (w.hours * SECONDS_PER_HOUR)
    environments = max(config.min_environments, math.ceil(concurrency / config.environment_concurrency(memory)))
    per_instance = min(
        (instance.vcpus - INSTANCE_VCPU_KEPT) // config.vcpus_per_environment(memory),
        (instance.memory_gib * 1024 - INSTANCE_MIB_KEPT) // memory,
    )
    if per_instance < 1:
        raise ValueError(
            f"a {memory} MB environment does not fit on {instance.name} ({instance.vcpus} vCPUs, "
            f"{instance.memory_gib} GiB, 1 vCPU and 1 GiB kept by the instance): choose a larger --lmi-instance-type"
        )
    needed = max(AVAILABILITY_ZONES, math.ceil(environments / per_instance))
    return Fleet(concurrency, environments, per_instance, config.instances or needed, config.instances is None)


def network_cost(hours: float, config: LmiConfig, prices: LmiPrices) -> tuple[float, str]:
    """The route out's hours: each interface endpoint in each zone, or a NAT gateway and its address per zone."""
    if config.egress == "endpoints":
        if config.interface_endpoints and prices.interface_endpoint_per_az_hour is None:
            raise PriceError(f"no interface endpoint price for {prices.region}; pass --lmi-endpoint-price")
        hourly = config.interface_endpoints * AVAILABILITY_ZONES * (prices.interface_endpoint_per_az_hour or 0.0)
        what = f"{config.interface_endpoints} interface endpoint(s) x {AVAILABILITY_ZONES} zones"
    else:
        if prices.nat_gateway_per_hour is None or prices.public_ipv4_per_hour is None:
            raise PriceError(f"no NAT gateway price for {prices.region}; pass --lmi-nat-price")
        hourly = AVAILABILITY_ZONES * (prices.nat_gateway_per_hour + prices.public_ipv4_per_hour)
        what = f"{AVAILABILITY_ZONES} NAT gateways and their public IPv4 addresses"
    return hourly * hours, f"{what}: ${hourly:.4f}/h (per-GB processing not included)"


def managed_instances(w: Workload, prices: Prices, lmi: LmiPrices, config: LmiConfig) -> tuple[CostLine, Fleet]:
    """The strategy's bill for the workload's period: instance-hours (less a discount on the EC2 part), the fee on
    their on-demand price, requests at Lambda's request price, the route out."""
    if lmi.instance.per_hour is None:
        raise PriceError(
            f"no {lmi.instance.name} price for {lmi.region} in {LMI_PRICES_FILE.name}; pass --lmi-instance-price"
        )
    fleet_ = fleet(w, config, lmi.instance)
    on_demand = fleet_.instances * lmi.instance.per_hour * w.hours
    network, network_note = network_cost(w.hours, config, lmi)
    notes = [
        f"fleet: {fleet_.rule} of {lmi.instance.name} at ${lmi.instance.per_hour:.4f}/h "
        f"({config.environment_memory(w.memory_mb)} MB environments, {config.environment_concurrency(config.environment_memory(w.memory_mb))} requests each)",
        f"management fee: {lmi.management_fee_fraction:.0%} of the on-demand price, not discounted",
        f"network: {network_note}",
        "no duration charge; requests at Lambda's request price, no free tier assumed",
    ]
    if config.ec2_discount:
        notes.append(f"EC2 part discounted {config.ec2_discount:.0%} (Savings Plan or Reserved Instances)")
    line = CostLine(
        strategy=STRATEGY,
        requests=w.invocations * prices.request_price,
        instances=on_demand * (1 - config.ec2_discount),
        management_fee=on_demand * lmi.management_fee_fraction,
        network=network,
        notes=tuple(notes),
    )
    return line, fleet_
