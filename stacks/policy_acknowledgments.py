"""Every cfn-guard and checkov finding that is acknowledged rather than fixed: the one reviewed place.

Two checkers run beside cdk-nag over every synthesized template: AWS's Guard rules (the Control Tower proactive
controls of ``@cdklabs/cdk-validator-cfnguard``, a CDK policy-validation plugin, so ``cdk synth`` fails on a new
finding) and checkov (``tests/policy/test_policy_checks.py``, ``make policy-checks``). A finding is fixed in the construct it is about, or
listed here with the resources it applies to and the reason. The tests fail on a finding that nothing here
acknowledges, and on an entry (rule x resource) that no finding matches any more.

An entry's scope is a stack (``data``, ``service``), ``function``: every API function
(``stacks/constructs/api_function.py``), or ``pre-traffic hook``: every function's hook
(``stacks/constructs/pre_traffic_hook.py``); each construct applies its own. A resource is a construct path inside its
scope (``HttpApi/Api`` in the service stack, ``Function`` in each API function: its Lambda function, whatever its
construct id under the stage's strategy); it covers the resources below it.
CDK's own helper functions are named as CDK names them (``Custom::...``) and acknowledged as such, by resource.
cdk-nag's acknowledgments stay beside their constructs (``stacks/nag.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stacks.managed_instances_rules import STRATEGY as MANAGED_INSTANCES
from stacks.naming import function_resource_id
from stacks.stage_config import StageConfig

GUARD = "cfn-guard"
CHECKOV = "checkov"
FUNCTION = "function"  # the scope of each API function's construct
HOOK = "pre-traffic hook"  # the scope of each API function's pre-traffic hook (stacks/constructs/pre_traffic_hook.py)
# CDK's helpers in the data stack: the BucketDeployment function that uploads config.json (a singleton whose id
# CDK fixes) and the custom-resource provider that empties dev's buckets before a destroy.
BUCKET_DEPLOYMENT = "Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C"
AUTO_DELETE_PROVIDER = "Custom::S3AutoDeleteObjectsCustomResourceProvider"
CDK_HELPER_FUNCTIONS = (BUCKET_DEPLOYMENT, f"{AUTO_DELETE_PROVIDER}/Handler")
# In the FUNCTION scope: the API function's Lambda function, whatever its construct id (naming.function_resource_id).
FUNCTION_RESOURCE = "Function"
# A managed-instances stage's capacity provider, its network, and the CDK helper that closes a new VPC's default
# security group (stacks/constructs/managed_instances.py).
CAPACITY = "ManagedInstances"
FLOW_LOGS = f"{CAPACITY}/Network/FlowLogs"
VPC_DEFAULT_SG_PROVIDER = "Custom::VpcRestrictDefaultSGCustomResourceProvider"
LOG_GROUPS = {
    FUNCTION: ("LogGroup",),
    HOOK: ("LogGroup",),
    "service": ("HttpApi/AccessLogs", FLOW_LOGS, f"{CAPACITY}/ProviderLogs", f"{VPC_DEFAULT_SG_PROVIDER}/LogGroup"),
    "data": ("Config/ConfigJsonLogs", f"{AUTO_DELETE_PROVIDER}/LogGroup"),
}
BUCKETS = ("Config/Bucket", "AccessLogs/Bucket")


def _always(_: StageConfig) -> bool:
    return True


def _managed(config: StageConfig) -> bool:
    return config.cold_start_strategy == MANAGED_INSTANCES


def _on_demand(config: StageConfig) -> bool:
    """Any strategy but managed instances: the function runs in Lambda's own fleet, outside any VPC of ours."""
    return not _managed(config)


@dataclass(frozen=True)
class Acknowledged:
    findings: tuple[tuple[str, str], ...]  # (tool, rule): guard's rule name, checkov's check id
    scope: str  # "data" | "service" (a stack) | FUNCTION (each API function) | HOOK (each function's hook)
    resources: tuple[str, ...]
    reason: str
    when: Callable[[StageConfig], bool] = _always  # the stage settings under which the finding exists

    def rules(self, tool: str) -> tuple[str, ...]:
        return tuple(rule for t, rule in self.findings if t == tool)


ACKNOWLEDGED: tuple[Acknowledged, ...] = (
    # --- every API function --------------------------------------------------------------------------------------
    Acknowledged(
        ((GUARD, "lambda_inside_vpc_check"), (CHECKOV, "CKV_AWS_117")),
        FUNCTION,
        (FUNCTION_RESOURCE,),
        "An API function reaches only AWS APIs (the data resources it names, X-Ray) through IAM-authorized, "
        "TLS endpoints; a VPC would add NAT gateways or five interface endpoints per stage and ENI set-up, and "
        "protect nothing that IAM does not already.",
        when=_on_demand,
    ),
    Acknowledged(
        ((GUARD, "lambda_inside_vpc_check"), (CHECKOV, "CKV_AWS_117")),
        FUNCTION,
        (FUNCTION_RESOURCE,),
        "The function runs on the capacity provider's instances, in the stage's VPC (the provider's subnets and "
        "security group); a managed-instances function has no VpcConfig of its own, which is what the rule reads.",
        when=_managed,
    ),
    Acknowledged(
        ((CHECKOV, "CKV_AWS_116"),),
        FUNCTION,
        (FUNCTION_RESOURCE,),
        "Invoked synchronously by API Gateway: a dead-letter queue only receives failed asynchronous "
        "invocations, and the client gets the error response directly (as cdk-nag's Serverless-LambdaDLQ).",
    ),
    Acknowledged(
        ((CHECKOV, "CKV_AWS_115"),),
        FUNCTION,
        (FUNCTION_RESOURCE,),
        "reserved_concurrency is unset in this stage (dev): a throwaway stage shares the account's pool rather "
        "than reserving part of it; prod reserves 100.",
        when=lambda config: config.reserved_concurrency is None and _on_demand(config),
    ),
    Acknowledged(
        ((CHECKOV, "CKV_AWS_115"),),
        FUNCTION,
        (FUNCTION_RESOURCE,),
        "A managed-instances function takes no reserved concurrency (the stage refuses it): its ceiling is its "
        "versions' lmi_max_environments x lmi_max_concurrency, inside the capacity provider's max_v_cpu_count.",
        when=_managed,
    ),
    Acknowledged(
        ((CHECKOV, "CKV_AWS_173"),),
        FUNCTION,
        (FUNCTION_RESOURCE,),
        "The environment holds resource names, ARNs and numbers, never a secret (a secret's ARN at most: its value "
        "is read from Secrets Manager at run time); Lambda encrypts it at rest with its AWS-managed key.",
    ),
    # --- every pre-traffic hook ----------------------------------------------------------------------------------
    Acknowledged(
        ((GUARD, "lambda_inside_vpc_check"), (CHECKOV, "CKV_AWS_117")),
        HOOK,
        ("Function",),
        "The hook calls AWS APIs only (Invoke of one version, CodeDeploy's PutLifecycleEventHookExecutionStatus, "
        "DeleteItem under the reserved prefix) through IAM-authorized TLS endpoints; a VPC would protect nothing "
        "more, as for the API functions.",
    ),
    Acknowledged(
        ((CHECKOV, "CKV_AWS_116"),),
        HOOK,
        ("Function",),
        "CodeDeploy invokes the hook asynchronously with retry_attempts=0: a failed invocation leaves its lifecycle "
        "event without a verdict and CodeDeploy fails the deployment; a dead-letter queue would decide nothing (as "
        "cdk-nag's Serverless-LambdaDLQ, acknowledged beside the function).",
    ),
    Acknowledged(
        ((CHECKOV, "CKV_AWS_115"),),
        HOOK,
        ("Function",),
        "The hook runs once per deployment of its function, one invocation at a time: reserving concurrency for it "
        "would take it from the account's pool for nothing.",
    ),
    Acknowledged(
        ((CHECKOV, "CKV_AWS_173"),),
        HOOK,
        ("Function",),
        "The environment holds the version's ARN, the smoke cases, the table name and the reserved id prefix, never "
        "a secret; Lambda encrypts it at rest with its AWS-managed key.",
    ),
    # --- the HTTP API --------------------------------------------------------------------------------------------
    Acknowledged(
        ((GUARD, "api_gw_v2_authorization_type_configured_check"),),
        "service",
        ("HttpApi/Api",),
        "api_authorization='none' in this stage: the routes are public on purpose (the course's curl examples); "
        "stage throttling bounds abuse. Stages with 'iam' or 'jwt' (prod: 'iam') have no finding.",
        when=lambda config: config.api_authorization == "none",
    ),
    Acknowledged(
        ((GUARD, "lambda_function_public_access_prohibited_check"),),
        "service",
        ("HttpApi/Api",),
        "Each route's permission has a SourceArn naming that route (execute-api ARN with the API id, method and "
        "path), built with Fn::Join from deploy-time values; the Guard rule accepts only a literal or a local "
        "Ref/GetAtt there. tests/infra/test_hops.py checks principal, action and SourceArn of every permission.",
    ),
    # --- encryption with customer-managed keys -------------------------------------------------------------------
    *(
        Acknowledged(
            ((GUARD, "cloudwatch_log_group_encrypted_check"), (CHECKOV, "CKV_AWS_158")),
            kind,
            groups,
            "CloudWatch Logs encrypts every log group at rest; a customer-managed KMS key adds $1/month per key "
            "and a key policy for logs.<region>.amazonaws.com, for logs that hold order ids and timings, no "
            "personal data. A fork that must control the key sets KmsKeyId in stage_log_group().",
        )
        for kind, groups in LOG_GROUPS.items()
    ),
    Acknowledged(
        ((GUARD, "dynamodb_table_encrypted_kms_check"), (CHECKOV, "CKV_AWS_119")),
        "data",
        ("Orders/Table",),
        "DynamoDB encrypts at rest with an AWS-owned key at no cost; a KMS key (AWS- or customer-managed) "
        "adds per-request KMS charges and changes no one's access: IAM decides who reads orders.",
    ),
    Acknowledged(
        ((GUARD, "s3_bucket_default_encryption_kms_check"),),
        "data",
        ("Config/Bucket",),
        "SSE-S3 encrypts config.json at rest; SSE-KMS would add a KMS call per read and decide nothing that "
        "the bucket policy and the function's s3:GetObject on this one object do not.",
    ),
    Acknowledged(
        ((GUARD, "s3_bucket_default_encryption_kms_check"),),
        "data",
        ("AccessLogs/Bucket",),
        "S3 server access logging delivers only to buckets encrypted with SSE-S3: SSE-KMS on the target bucket "
        "is not supported.",
    ),
    Acknowledged(
        ((CHECKOV, "CKV_AWS_149"),),
        "data",
        ("ReceiptSigning/Secret",),
        "Secrets Manager encrypts with its AWS-managed key; a customer-managed key is needed only to share the "
        "secret across accounts, which this one never is.",
    ),
    Acknowledged(
        ((CHECKOV, "CKV_AWS_26"),),
        "service",
        ("Monitoring/AlarmTopic",),
        "Alarm notifications carry alarm names and states only; CloudWatch alarms cannot publish to a topic "
        "encrypted with the AWS-managed SNS key, and a customer-managed key costs more than it protects (as "
        "cdk-nag's AwsSolutions-SNS2).",
    ),
    # --- the buckets ---------------------------------------------------------------------------------------------
    Acknowledged(
        ((GUARD, "s3_bucket_logging_enabled_check"), (CHECKOV, "CKV_AWS_18")),
        "data",
        ("AccessLogs/Bucket",),
        "This is the access-log bucket: logging it into itself would log its own log deliveries without end.",
    ),
    Acknowledged(
        ((GUARD, "s3_bucket_object_lock_enabled_check"),),
        "data",
        BUCKETS,
        "Object Lock makes objects undeletable for a retention period: config.json must be replaceable, dev's "
        "buckets must empty on destroy, and logs expire with log_retention_days. Versioning keeps what "
        "rollbacks need.",
    ),
    Acknowledged(
        ((GUARD, "s3_event_notifications_enabled_check"),),
        "data",
        BUCKETS,
        "Nothing consumes events from these buckets: config.json is read through a TTL cache, access logs "
        "are read on demand. A notification target nobody reads would be one more resource to secure.",
    ),
    # --- log retention -------------------------------------------------------------------------------------------
    *(
        Acknowledged(
            ((GUARD, "cloudwatch_log_group_retention_period_check"),),
            kind,
            groups,
            "Retention is the stage's log_retention_days (dev 7, prod 90 days): operational logs; CloudTrail "
            "keeps the audit trail. A fork under a one-year rule sets log_retention_days to 365 or more, and "
            "the finding disappears.",
            when=lambda config: config.log_retention_days < 365,
        )
        for kind, groups in LOG_GROUPS.items()
    ),
    # --- CDK's own helper functions ------------------------------------------------------------------------------
    Acknowledged(
        ((GUARD, "lambda_inside_vpc_check"), (CHECKOV, "CKV_AWS_117"), (CHECKOV, "CKV_AWS_116")),
        "data",
        CDK_HELPER_FUNCTIONS,
        "CDK's helper functions (BucketDeployment, autoDeleteObjects): CDK owns their code and configuration; "
        "CloudFormation invokes them synchronously during deployments only (no DLQ would ever receive "
        "anything), and they call S3 only.",
    ),
    Acknowledged(
        ((CHECKOV, "CKV_AWS_115"),),
        "data",
        CDK_HELPER_FUNCTIONS,
        "CDK's helper functions run once per deployment, invoked by CloudFormation: reserving concurrency for "
        "them would take it from the account's pool for nothing.",
    ),
    Acknowledged(
        ((CHECKOV, "CKV_AWS_173"),),
        "data",
        (BUCKET_DEPLOYMENT,),
        "CDK's BucketDeployment function: its one environment variable is the CA bundle path CDK sets.",
    ),
    Acknowledged(
        (
            (GUARD, "lambda_inside_vpc_check"),
            (CHECKOV, "CKV_AWS_117"),
            (CHECKOV, "CKV_AWS_116"),
            (CHECKOV, "CKV_AWS_115"),
        ),
        "service",
        (f"{VPC_DEFAULT_SG_PROVIDER}/Handler",),
        "CDK's helper that removes every rule of the new VPC's default security group: CDK owns its code; "
        "CloudFormation invokes it synchronously while it creates the VPC (no DLQ would receive anything, no "
        "concurrency to reserve), and it calls EC2 only.",
    ),
)


def applicable(config: StageConfig, scope: str, tool: str) -> list[tuple[str, str, str]]:
    """(rule, resource, reason) acknowledged for ``tool`` in this stage's ``scope`` (a stack kind or FUNCTION)."""
    return [
        (rule, _in_stage(config, scope, resource), entry.reason)
        for entry in ACKNOWLEDGED
        if entry.scope == scope and entry.when(config)
        for rule in entry.rules(tool)
        for resource in entry.resources
        if _exists(config, resource)
    ]


def _in_stage(config: StageConfig, scope: str, resource: str) -> str:
    if scope == FUNCTION and resource == FUNCTION_RESOURCE:
        return function_resource_id(config.cold_start_strategy)
    return resource


def _exists(config: StageConfig, resource: str) -> bool:
    # CDK adds the autoDeleteObjects provider only where buckets are emptied on destroy (stages that don't retain).
    if resource.startswith(AUTO_DELETE_PROVIDER):
        return not config.is_retained
    # A new VPC's flow logs and default-security-group helper; an existing VPC's are its owner's.
    if resource.startswith((FLOW_LOGS, VPC_DEFAULT_SG_PROVIDER)):
        return _managed(config) and config.lmi_vpc_id is None
    return _managed(config) or not resource.startswith(f"{CAPACITY}/")


def covers(resource: str, construct_path: str) -> bool:
    """Does an acknowledgment for ``resource`` apply to the construct at ``construct_path`` (inside the stack)?"""
    return construct_path == resource or construct_path.startswith(f"{resource}/")
