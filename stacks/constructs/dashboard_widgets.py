"""The dashboard's graphs and the saved cold-start query: what an operator reads beside the alarms
(stacks/constructs/monitoring.py builds the dashboard from them)."""

from __future__ import annotations

from collections.abc import Callable

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs

from stacks.constructs.api_function import ApiFunction

ONE_MINUTE = cdk.Duration.minutes(1)

# Cold starts per version, from the REPORT lines Lambda writes (Text log format): the share of
# invocations that paid an Init Duration, and its p50/p99. The log stream name carries the version
# ("2026/11/28/[12]abc..."). SnapStart restores report "Restore Duration" instead of "Init Duration".
COLD_START_QUERY = logs.QueryString(
    filter_statements=['@type = "REPORT"'],
    parse_statements=['@logStream "[*]" as version'],
    stats_statements=[
        "count(*) as invocations, count(@initDuration) as cold_starts, "
        "100 * count(@initDuration) / count(*) as cold_start_pct, "
        "pct(@initDuration, 50) as init_p50_ms, pct(@initDuration, 99) as init_p99_ms, "
        "pct(@duration, 99) as duration_p99_ms by version",
    ],
    sort="version desc",
)


def function_widgets(
    function: ApiFunction, timeout_seconds: int, title: Callable[[str], str]
) -> list[cloudwatch.IWidget]:
    alias = function.alias
    return [
        cloudwatch.GraphWidget(
            title=title("Invocations, errors, throttles"),
            width=12,
            left=[
                alias.metric_invocations(period=ONE_MINUTE, statistic="Sum"),
                alias.metric_errors(period=ONE_MINUTE, statistic="Sum"),
                alias.metric_throttles(period=ONE_MINUTE, statistic="Sum"),
            ],
        ),
        cloudwatch.GraphWidget(
            title=title("Duration (ms) against the timeout"),
            width=12,
            left=[alias.metric_duration(period=ONE_MINUTE, statistic=s) for s in ("p50", "p90", "p99")],
            left_annotations=[cloudwatch.HorizontalAnnotation(value=timeout_seconds * 1000, label="timeout")],
        ),
    ]


def api_widget(api: apigw.HttpApi) -> cloudwatch.IWidget:
    return cloudwatch.GraphWidget(
        title="API 4xx / 5xx and latency",
        width=12,
        left=[api.metric_client_error(period=ONE_MINUTE), api.metric_server_error(period=ONE_MINUTE)],
        right=[api.metric_latency(period=ONE_MINUTE, statistic="p99")],
    )


def cold_start_widget(function: ApiFunction, title: Callable[[str], str]) -> cloudwatch.IWidget:
    return cloudwatch.LogQueryWidget(
        title=title("Cold starts per version (share, init p50/p99)"),
        width=24,
        log_group_names=[function.log_group.log_group_name],
        query_lines=query_lines(COLD_START_QUERY),
        view=cloudwatch.LogQueryVisualizationType.TABLE,
    )


def query_lines(query: logs.QueryString) -> list[str]:
    # The dashboard widget wants the same query as the saved one, one command per line.
    return [line.strip() for line in query.to_string().split("\n| ")]
