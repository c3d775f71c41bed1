"""Provisioned-concurrency autoscaling on the ``production`` alias: target tracking on utilization, and
optionally a higher floor during business hours.

aws/aws-cdk#29992: when a schedule takes PC to 0 and a deploy comes in off-hours, CloudFormation's alias
update fails with ProvisionedConcurrencyConfigNotFoundException. Guard: the off-hours floor is the
configured provisioned_concurrency, which the stage config never lets drop below 1.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_lambda as _lambda
from constructs import Construct

from stacks.stage_config import StageConfig


class ProvisionedConcurrencyAutoscaling(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, alias: _lambda.Alias) -> None:
        super().__init__(scope, construct_id)
        floor = config.provisioned_concurrency
        assert floor >= 1 and config.pc_max >= floor, "validated by stacks.stage_config"
        self.target = alias.add_auto_scaling(min_capacity=floor, max_capacity=config.pc_max)
        self.target.scale_on_utilization(utilization_target=config.pc_target_utilization_percent / 100)
        if config.pc_business_hours_min:
            zone = cdk.TimeZone.of(config.schedule_timezone)
            for name, hour, minimum in (
                ("BusinessHoursStart", config.business_hours_start_hour, config.pc_business_hours_min),
                ("BusinessHoursEnd", config.business_hours_end_hour, floor),  # never 0 (#29992)
            ):
                self.target.scale_on_schedule(
                    name,
                    schedule=appscaling.Schedule.cron(minute="0", hour=str(hour), week_day="MON-FRI"),
                    min_capacity=minimum,
                    max_capacity=config.pc_max,
                    time_zone=zone,
                )
