"""Alarms, a dashboard and a saved Logs Insights query per function for the numbers that decide a function's
health, cost and latency: errors, throttles, duration against the timeout, provisioned-concurrency spillover and
utilization, cold starts; on managed instances, the capacity provider's CPU and the share of requests throttled while
it scales. Every API function gets each alarm family; the API's 5xx alarm is one for all."""

from __future__ import annotations

from collections.abc import Callable

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.constructs.api_function import ApiFunction, StageFunctions
from stacks.constructs.confused_deputy import for_this_account
from stacks.constructs.dashboard_widgets import (
    COLD_START_QUERY,
    ONE_MINUTE,
    api_widget,
    cold_start_widget,
    function_widgets,
)
from stacks.constructs.latency_metrics import latency_alarm, latency_description, new_version_metric, trimmed_latency
from stacks.constructs.managed_instances import ManagedInstances
from stacks.constructs.safe_deployment import SHIFT_MINUTES
from stacks.nag import acknowledge

FIVE_MINUTES = cdk.Duration.minutes(5)
PROVIDER_CPU_PERCENT = 80
THROTTLE_RATE_PERCENT = 1


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: StageFunctions,
        api: apigw.HttpApi,
    ) -> None:
        super().__init__(scope, construct_id)
        config, capacity = functions.config, functions.capacity
        self._config = config
        self._functions = functions
        self.alarms: list[cloudwatch.Alarm] = []  # every alarm here notifies the topic (see _allow_alarms_to_publish)
        self.topic = self._alarm_topic()
        # One helper per alarm family, each family for every function; this order is the topic policy's.
        errors = [self._errors(function) for function in functions]
        api_5xx = self._api_errors(api)
        for family in (self._concurrency, self._duration):
            for function in functions:
                family(function)
        pc_widgets = [widget for function in functions for widget in self._provisioned_concurrency(function)]
        provider_widgets = self._capacity_provider(capacity) if capacity else []
        latencies = [self._latency(function) for function in functions]
        versions = [self._new_version(function) for function in functions]
        self._allow_alarms_to_publish()
        # CodeDeploy rolls a function back on these, one list per function: its new version's errors and latency,
        # then (unless the stage turns them off for one deploy) the alias's and the API's, which see what the version's
        # cannot: a handler that answers 500 without failing the invocation (any function's deploy stops on the API's
        # 5xx). Not the p99 against the timeout: a percentile of a canary's few requests is their maximum.
        alias_alarms = config.rollback_on_alias_alarms
        self.rollback_alarms: list[list[cloudwatch.IAlarm]] = [
            [*version, *([function_errors, latency, api_5xx] if alias_alarms else [])]
            for version, function_errors, latency in zip(versions, errors, latencies, strict=True)
        ]
        # Managed instances start no environment on the request path (and log REPORT lines as JSON): no cold-start query.
        cold_starts = capacity is None
        self.queries = [self._cold_start_query(function) for function in functions] if cold_starts else []
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{config.project_name}-{config.stage}",
            default_interval=cdk.Duration.hours(3),
            widgets=[
                [cloudwatch.AlarmStatusWidget(title="Alarms", width=24, alarms=self.alarms)],
                *(function_widgets(function, config.timeout_seconds, self._title(function)) for function in functions),
                [api_widget(api), *pc_widgets, *provider_widgets],
                *([cold_start_widget(function, self._title(function))] for function in functions if cold_starts),
            ],
        )

    def _id(self, function: ApiFunction, name: str) -> str:
        return self._functions.resource_id(function, name)

    def _of(self, text: str, function: ApiFunction) -> str:
        """A title or description, naming the function when there is more than one."""
        return f"{text} ({function.spec.name})" if len(self._functions) > 1 else text

    def _title(self, function: ApiFunction) -> Callable[[str], str]:
        return lambda text: self._of(text, function)

    def _alarm_topic(self) -> sns.Topic:
        config = self._config
        topic = sns.Topic(
            self, "AlarmTopic", enforce_ssl=True, display_name=f"{config.project_name} {config.stage} alarms"
        )
        acknowledge(
            topic,
            "Alarm notifications carry alarm names and states only. CloudWatch alarms "
            "cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed "
            "key for this would cost more than it protects.",
            "AwsSolutions::AwsSolutions-SNS2",
        )
        if config.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
            acknowledge(
                topic,
                "SNS retries failed e-mail deliveries itself; a dead-letter queue for alarm "
                "e-mails would be one more thing nobody watches. The alarms stay visible in CloudWatch and "
                "on the dashboard either way.",
                "Serverless::Serverless-SNSRedrivePolicy",
            )
        return topic

    # --- alarm families -----------------------------------------------------------------------------------------

    def _errors(self, function: ApiFunction) -> cloudwatch.Alarm:
        return self._alarm(
            self._id(function, "Errors"),
            function.alias.metric_errors(period=ONE_MINUTE, statistic="Sum"),
            threshold=1,
            periods=2,
            description=self._of("Unhandled errors or timeouts of the production alias", function),
        )

    def _api_errors(self, api: apigw.HttpApi) -> cloudwatch.Alarm:
        return self._alarm(
            "Api5xx",
            api.metric_server_error(period=ONE_MINUTE, statistic="Sum"),
            threshold=5,
            periods=2,
            description="HTTP 5xx from the API (the handler's 500/503 and integration failures)",
        )

    def _concurrency(self, function: ApiFunction) -> None:
        """Throttles (on managed instances, their share of the requests), and with a reserved concurrency, the approach
        to it."""
        if self._functions.capacity:
            self._throttle_rate(function)
            return
        reserved = self._config.reserved_concurrency
        self._alarm(
            self._id(function, "Throttles"),
            function.alias.metric_throttles(period=ONE_MINUTE, statistic="Sum"),
            threshold=1,
            periods=2,
            description=self._of(
                "Invocations refused for lack of concurrency"
                + (f" (reserved_concurrency={reserved})" if reserved else ""),
                function,
            ),
        )
        if reserved:
            # Before the ceiling throttles: the function's busiest minute used 80 % of its reserved concurrency.
            self._alarm(
                self._id(function, "ConcurrencyNearReserved"),
                function.function.metric("ConcurrentExecutions", period=ONE_MINUTE, statistic="Maximum"),
                threshold=round(reserved * 0.8),
                periods=3,
                description=self._of(
                    f"Concurrent executions at 80 % of reserved_concurrency={reserved}: "
                    "raise it (and the account's limit) or find what slowed down",
                    function,
                ),
            )

    def _throttle_rate(self, function: ApiFunction) -> cloudwatch.Alarm:
        """On managed instances a throttle is a request that came faster than the provider scales (it absorbs a
        doubling of the traffic within 5 minutes; more throttles until new instances are up): a few are expected,
        a share of them is not (AWS's LMI guidance alarms above 1 %)."""
        alias = function.alias
        rate = cloudwatch.MathExpression(
            expression="100 * throttles / (invocations + throttles)",
            using_metrics={
                "throttles": alias.metric_throttles(period=FIVE_MINUTES, statistic="Sum"),
                "invocations": alias.metric_invocations(period=FIVE_MINUTES, statistic="Sum"),
            },
            label="Throttled requests (%)",
            period=FIVE_MINUTES,
        )
        return self._alarm(
            self._id(function, "Throttles"),
            rate,
            threshold=THROTTLE_RATE_PERCENT,
            periods=2,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            description=self._of(
                f"More than {THROTTLE_RATE_PERCENT} % of requests throttled for 10 minutes: traffic grows faster than "
                "the capacity provider scales; raise lmi_min_environments (or lmi_max_environments if it is reached)",
                function,
            ),
        )

    def _duration(self, function: ApiFunction) -> cloudwatch.Alarm:
        config = self._config
        return self._alarm(
            self._id(function, "DurationP99"),
            function.alias.metric_duration(period=ONE_MINUTE, statistic="p99"),
            threshold=config.timeout_seconds * 1000 * config.duration_alarm_percent_of_timeout / 100,
            periods=3,
            description=self._of(
                f"p99 duration above {config.duration_alarm_percent_of_timeout}% of the "
                f"{config.timeout_seconds} s timeout",
                function,
            ),
        )

    def _latency(self, function: ApiFunction) -> cloudwatch.Alarm:
        return self._alarm(
            self._id(function, "Latency"),
            trimmed_latency(lambda statistic: function.alias.metric_duration(period=ONE_MINUTE, statistic=statistic)),
            **latency_alarm(function.spec.smoke.latency_budget_ms),
            description=self._of(
                latency_description(function.spec.smoke.latency_budget_ms, "the production alias"), function
            ),
        )

    def _new_version(self, function: ApiFunction) -> list[cloudwatch.Alarm]:
        """Errors and latency of the version being deployed, through the alias (ExecutedVersion): fresh in every
        deployment, so they cannot block a fix the way the alias's own can. The alias depends on them: CloudFormation
        points them at the new version before the alias update starts the deployment."""
        window = SHIFT_MINUTES[self._config.deployment]
        budget = function.spec.smoke.latency_budget_ms
        alarms = [
            self._alarm(
                self._id(function, "VersionErrors"),
                new_version_metric(function, "Errors", "Sum"),
                threshold=0,
                periods=window,
                datapoints=1,
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                description=self._of(
                    f"Any unhandled error or timeout of the new version within the {window}-minute shift", function
                ),
            ),
            self._alarm(
                self._id(function, "VersionLatency"),
                trimmed_latency(lambda statistic: new_version_metric(function, "Duration", statistic)),
                **latency_alarm(budget),
                description=self._of(latency_description(budget, "the new version"), function),
            ),
        ]
        function.deploy_after(*alarms)
        return alarms

    def _provisioned_concurrency(self, function: ApiFunction) -> list[cloudwatch.IWidget]:
        """Spillover and utilization of the alias's provisioned environments, and their graph; nothing without PC."""
        if self._config.cold_start_strategy != "provisioned":
            return []
        alias = function.alias
        spillover = alias.metric("ProvisionedConcurrencySpilloverInvocations", period=FIVE_MINUTES, statistic="Sum")
        utilization = alias.metric("ProvisionedConcurrencyUtilization", period=FIVE_MINUTES, statistic="Maximum")
        self._alarm(
            self._id(function, "PcSpillover"),
            spillover,
            threshold=1,
            periods=1,
            description=self._of("Requests beyond the provisioned environments ran on cold on-demand ones", function),
        )
        self._alarm(
            self._id(function, "PcUtilization"),
            utilization,
            threshold=0.9,
            periods=3,
            description=self._of("Provisioned environments over 90 % busy: raise pc_max or the floor", function),
        )
        return [
            cloudwatch.GraphWidget(
                title=self._of("Provisioned concurrency", function), left=[utilization], right=[spillover], width=12
            )
        ]

    def _capacity_provider(self, capacity: ManagedInstances) -> list[cloudwatch.IWidget]:
        """The provider's CPU (what its scaling follows; AWS's LMI guidance alarms above 80 %), and its graph with the
        memory and the vCPUs allocated to environments against those still free."""

        def metric(name: str, statistic: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/Lambda",
                metric_name=name,
                dimensions_map={"CapacityProviderName": capacity.provider.capacity_provider_name},
                statistic=statistic,
                period=FIVE_MINUTES,  # LMI publishes its capacity provider metrics every 5 minutes
            )

        cpu = metric("CPUUtilization", "Average")
        self._alarm(
            "ProviderCpu",
            cpu,
            threshold=PROVIDER_CPU_PERCENT,
            periods=3,
            description=f"Capacity provider instances over {PROVIDER_CPU_PERCENT} % CPU for 15 minutes: requests slow "
            "down before it scales; lower lmi_max_concurrency or lmi_scaling_cpu_target_percent, raise "
            "lmi_max_environments",
        )
        return [
            cloudwatch.GraphWidget(
                title="Capacity provider: CPU and memory (%), vCPUs allocated and free",
                width=12,
                left=[cpu, metric("MemoryUtilization", "Average")],
                right=[metric("vCPUAllocated", "Maximum"), metric("vCPUAvailable", "Minimum")],
            )
        ]

    # --- query ------------------------------------------------------------------------------------------------

    def _cold_start_query(self, function: ApiFunction) -> logs.QueryDefinition:
        config = self._config
        name = f"{config.project_name}/{config.stage}/cold-starts"
        return logs.QueryDefinition(
            self,
            self._id(function, "ColdStartQuery"),
            query_definition_name=f"{name}/{function.spec.name}" if len(self._functions) > 1 else name,
            query_string=COLD_START_QUERY,
            log_groups=[function.log_group],
        )

    def _alarm(
        self,
        name: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        periods: int,
        description: str,
        datapoints: int | None = None,  # of ``periods``; all of them by default
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            name,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            datapoints_to_alarm=datapoints or periods,
            comparison_operator=comparison,
            # A minute without data is a minute without errors (no invocation), or with too few invocations to
            # judge latency (the trimmed mean's minimum): neither may roll back, nor block, a deployment. A version
            # that gets no traffic at all is judged by its pre-traffic hook.
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
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisStacksAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=for_this_account(self, [alarm.alarm_arn for alarm in self.alarms]),
            )
        )
