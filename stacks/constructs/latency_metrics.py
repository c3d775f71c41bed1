"""The metrics behind the rollback alarms: the new version's, through the alias, and latency as a trimmed mean that is
judged only when enough invocations back it. After cdk-monitoring-constructs' trimmed-mean Lambda latency alarms
(``LatencyType.TM90``, ``minSampleCountToEvaluateDatapoint``: ``IF(sampleCount > n, metric)``).

Why TM90 and not p90 or p99: a percentile of a canary minute's few requests is their slowest one, and CloudWatch
cannot evaluate p99 on fewer than 100 samples at all; the mean of the fastest 90 % drops the slowest tenth (a cold
environment, one slow dependency call) and still moves when the whole version is slower.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch

from stacks.constructs.api_function import ApiFunction
from stacks.naming import ALIAS_NAME

PERIOD = cdk.Duration.minutes(1)
# TM90 trims the slowest 10 %: below 10 invocations it trims none and is the plain mean, which one outlier moves.
# A minute with fewer is missing data, not a judgement.
MIN_LATENCY_SAMPLES = 10
LATENCY_PERIODS, LATENCY_DATAPOINTS = 3, 2  # two slow minutes out of three: one slow minute is not a trend


def new_version_metric(function: ApiFunction, metric_name: str, statistic: str) -> cloudwatch.Metric:
    """``metric_name`` of the version being deployed, as invoked through the ``production`` alias: Lambda's
    dimensions FunctionName, Resource (function:alias) and ExecutedVersion (the version that ran)."""
    name = function.function.function_name
    return cloudwatch.Metric(
        namespace="AWS/Lambda",
        metric_name=metric_name,
        dimensions_map={
            "FunctionName": name,
            "Resource": f"{name}:{ALIAS_NAME}",
            "ExecutedVersion": function.function.current_version.version,
        },
        statistic=statistic,
        period=PERIOD,
    )


def trimmed_latency(duration: Callable[[str], cloudwatch.IMetric]) -> cloudwatch.MathExpression:
    """TM90 of ``duration`` (a Duration metric for a statistic), in minutes with at least MIN_LATENCY_SAMPLES
    invocations; missing in the others."""
    return cloudwatch.MathExpression(
        expression=f"IF(samples >= {MIN_LATENCY_SAMPLES}, tm90)",
        using_metrics={"tm90": duration("tm90"), "samples": duration("SampleCount")},
        label=f"Duration TM90 (ms), minutes with {MIN_LATENCY_SAMPLES}+ invocations",
        period=PERIOD,
    )


def latency_alarm(budget_ms: int) -> dict[str, Any]:
    """The threshold and evaluation of a trimmed-mean latency alarm against the function's budget."""
    return {
        "threshold": budget_ms,
        "periods": LATENCY_PERIODS,
        "datapoints": LATENCY_DATAPOINTS,
        "comparison": cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    }


def latency_description(budget_ms: int, of: str) -> str:
    return (
        f"Duration TM90 of {of} over the {budget_ms} ms latency budget (smoke_cases.py) in {LATENCY_DATAPOINTS} of "
        f"{LATENCY_PERIODS} minutes with {MIN_LATENCY_SAMPLES} or more invocations"
    )
