"""Alarms, a dashboard and a saved Logs Insights query for the numbers the course is about: errors,
throttles, duration against the timeout, provisioned-concurrency spillover and utilization, cold starts."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as _lambda
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.nag import acknowledge
from stacks.stage_config import StageConfig

ONE_MINUTE = cdk.Duration.minutes(1)
FIVE_MINUTES = cdk.Duration.minutes(5)

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


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        alias: _lambda.Alias,
        api: apigw.HttpApi,
        log_group: logs.ILogGroup,
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm] = []  # every alarm here notifies the topic (see _allow_alarms_to_publish)
        self.topic = sns.Topic(
            self, "AlarmTopic", enforce_ssl=True, display_name=f"{config.project_name} {config.stage} alarms"
        )
        acknowledge(
            self.topic,
            "Alarm notifications carry alarm names and states only. CloudWatch alarms "
            "cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed "
            "key for this would cost more than it protects.",
            "AwsSolutions::AwsSolutions-SNS2",
        )
        if config.alarm_email:
            email = subscriptions.EmailSubscription(config.alarm_email)
            self.topic.add_subscription(email)
            acknowledge(
                self.topic,
                "SNS retries failed e-mail deliveries itself; a dead-letter queue for alarm "
                "e-mails would be one more thing nobody watches. The alarms stay visible in CloudWatch and "
                "on the dashboard either way.",
                "Serverless::Serverless-SNSRedrivePolicy",
            )

        timeout_ms = config.timeout_seconds * 1000
        p99_threshold_ms = timeout_ms * config.duration_alarm_percent_of_timeout / 100
        self.errors = self._alarm(
            "Errors",
            alias.metric_errors(period=ONE_MINUTE, statistic="Sum"),
            threshold=1,
            periods=2,
            description="Unhandled errors or timeouts of the production alias",
        )
        self.api_5xx = self._alarm(
            "Api5xx",
            api.metric_server_error(period=ONE_MINUTE, statistic="Sum"),
            threshold=5,
            periods=2,
            description="HTTP 5xx from the API (the handler's 500/503 and integration failures)",
        )
        self.throttles = self._alarm(
            "Throttles",
            alias.metric_throttles(period=ONE_MINUTE, statistic="Sum"),
            threshold=1,
            periods=2,
            description="Invocations refused for lack of concurrency"
            + (f" (reserved_concurrency={config.reserved_concurrency})" if config.reserved_concurrency else ""),
        )
        if config.reserved_concurrency:
            # Before the ceiling throttles: the function's busiest minute used 80 % of its reserved concurrency.
            self._alarm(
                "ConcurrencyNearReserved",
                alias.version.lambda_.metric("ConcurrentExecutions", period=ONE_MINUTE, statistic="Maximum"),
                threshold=round(config.reserved_concurrency * 0.8),
                periods=3,
                description=f"Concurrent executions at 80 % of reserved_concurrency={config.reserved_concurrency}: "
                "raise it (and the account's limit) or find what slowed down",
            )
        self.duration_p99 = self._alarm(
            "DurationP99",
            alias.metric_duration(period=ONE_MINUTE, statistic="p99"),
            threshold=p99_threshold_ms,
            periods=3,
            description=f"p99 duration above {config.duration_alarm_percent_of_timeout}% of the "
            f"{config.timeout_seconds} s timeout",
        )
        # CodeDeploy rolls back on these: they mean the new version is broken or slow.
        self.rollback_alarms: list[cloudwatch.IAlarm] = [self.errors, self.api_5xx, self.duration_p99]

        pc_widgets: list[cloudwatch.IWidget] = []
        if config.cold_start_strategy == "provisioned":
            spillover = alias.metric("ProvisionedConcurrencySpilloverInvocations", period=FIVE_MINUTES, statistic="Sum")
            utilization = alias.metric("ProvisionedConcurrencyUtilization", period=FIVE_MINUTES, statistic="Maximum")
            self._alarm(
                "PcSpillover",
                spillover,
                threshold=1,
                periods=1,
                description="Requests beyond the provisioned environments ran on cold on-demand ones",
            )
            self._alarm(
                "PcUtilization",
                utilization,
                threshold=0.9,
                periods=3,
                description="Provisioned environments over 90 % busy: raise pc_max or the floor",
            )
            pc_widgets = [
                cloudwatch.GraphWidget(
                    title="Provisioned concurrency", left=[utilization], right=[spillover], width=12
                ),
            ]

        self._allow_alarms_to_publish()

        self.query = logs.QueryDefinition(
            self,
            "ColdStartQuery",
            query_definition_name=f"{config.project_name}/{config.stage}/cold-starts",
            query_string=COLD_START_QUERY,
            log_groups=[log_group],
        )
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{config.project_name}-{config.stage}",
            default_interval=cdk.Duration.hours(3),
            widgets=[
                [
                    cloudwatch.AlarmStatusWidget(
                        title="Alarms",
                        width=24,
                        alarms=[self.errors, self.api_5xx, self.throttles, self.duration_p99],
                    ),
                ],
                [
                    cloudwatch.GraphWidget(
                        title="Invocations, errors, throttles",
                        width=12,
                        left=[
                            alias.metric_invocations(period=ONE_MINUTE, statistic="Sum"),
                            alias.metric_errors(period=ONE_MINUTE, statistic="Sum"),
                            alias.metric_throttles(period=ONE_MINUTE, statistic="Sum"),
                        ],
                    ),
                    cloudwatch.GraphWidget(
                        title="Duration (ms) against the timeout",
                        width=12,
                        left=[alias.metric_duration(period=ONE_MINUTE, statistic=s) for s in ("p50", "p90", "p99")],
                        left_annotations=[cloudwatch.HorizontalAnnotation(value=timeout_ms, label="timeout")],
                    ),
                ],
                [
                    cloudwatch.GraphWidget(
                        title="API 4xx / 5xx and latency",
                        width=12,
                        left=[api.metric_client_error(period=ONE_MINUTE), api.metric_server_error(period=ONE_MINUTE)],
                        right=[api.metric_latency(period=ONE_MINUTE, statistic="p99")],
                    ),
                    *pc_widgets,
                ],
                [
                    cloudwatch.LogQueryWidget(
                        title="Cold starts per version (share, init p50/p99)",
                        width=24,
                        log_group_names=[log_group.log_group_name],
                        query_lines=_query_lines(COLD_START_QUERY),
                        view=cloudwatch.LogQueryVisualizationType.TABLE,
                    ),
                ],
            ],
        )

    def _alarm(
        self, name: str, metric: cloudwatch.IMetric, *, threshold: float, periods: int, description: str
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            name,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        action = cw_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        self.alarms.append(alarm)
        return alarm

    def _allow_alarms_to_publish(self) -> None:
        """A topic policy replaces SNS's default policy, which is what lets CloudWatch publish: without this
        statement (the TLS-only Deny alone) every notification is refused and the alarm history says "not
        authorized to perform: SNS:Publish". Only these alarms, from this account."""
        stack = cdk.Stack.of(self)
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisStacksAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": [alarm.alarm_arn for alarm in self.alarms]},
                },
            )
        )


def _query_lines(query: logs.QueryString) -> list[str]:
    # The dashboard widget wants the same query as the saved one, one command per line.
    return [line.strip() for line in query.to_string().split("\n| ")]
