"""A second API function is one more spec in stacks/service_stack.py's FUNCTIONS: synthesized here (prod, the stage
with every per-function resource) beside orders, it gets its own role with exactly its data access, its own
asset, routes, alarms and deployment group, and nothing of the orders function moves or changes. The spec itself
refuses what cannot work, at import time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stacks import service_stack
from stacks.constructs.api_function import ApiFunctionSpec
from stacks.data_resources import READ, READ_WRITE, WRITE, Access
from stacks.naming import per_function_id
from tests.infra.conftest import FUNCTION_NAMES, Synth, synthesize

STAGE = "prod"
# Hand-written: the smallest function a fork would add (a package with a handler), and a sibling package that must
# stay out of its asset.
HANDLER_SOURCE = "def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': '{}'}\n"
ROUTE = ("GET", "/receipts/{order_id}")
NAMES = (*FUNCTION_NAMES, "receipts")  # the service's functions, then this one


def _route_declaration(*routes: tuple[str, str]) -> str:
    """The package's api_routes.py, shaped like lambda_src/orders/api_routes.py."""
    declared = "".join(f"    Route({m!r}, {p!r}, 'get_receipt'),\n" for m, p in routes)
    return (
        "from typing import NamedTuple\n\n\nclass Route(NamedTuple):\n    method: str\n    path: str\n"
        f"    handler: str\n\n\nROUTES = (\n{declared})\n"
    )


def _smoke_declaration(*cases: str) -> str:
    """The package's smoke_cases.py, shaped like lambda_src/orders/smoke_cases.py: ``cases`` are SmokeCase(...) calls."""
    return (
        "from typing import Any, NamedTuple\n\n\nclass SmokeCase(NamedTuple):\n    name: str\n    route: str\n"
        "    expect: int\n    path: dict[str, str] | None = None\n    body: Any = None\n\n\n"
        f"LATENCY_BUDGET_MS = 500\nCASES = ({''.join(f'{case},' for case in cases)})\n"
    )


# An unknown order's receipt: the one case a read-only function can run against any table.
SMOKE_CASE = "SmokeCase('unknown order', 'GET /receipts/{order_id}', 404, path={'order_id': '{smoke_id}-absent'})"


def _package(functions: Path, name: str, *routes: tuple[str, str]) -> Path:
    (functions / name).mkdir()
    (functions / name / "handler.py").write_text(HANDLER_SOURCE if routes else "")
    if routes:
        (functions / name / "api_routes.py").write_text(_route_declaration(*routes))
        (functions / name / "smoke_cases.py").write_text(_smoke_declaration(SMOKE_CASE))
    return functions / name


def _spec(code: Path, **changes: Any) -> ApiFunctionSpec:
    fields: dict[str, Any] = {
        "name": "receipts",
        "code": code,
        "handler": "receipts.handler.lambda_handler",
        "data_access": {"orders_table": READ},
        "description": "receipts API",
    }
    return ApiFunctionSpec(**(fields | changes))


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    functions = tmp_path_factory.mktemp("functions")
    _package(functions, "other")
    receipts = _spec(_package(functions, "receipts", ROUTE))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service_stack, "FUNCTIONS", (*service_stack.FUNCTIONS, receipts))
        return synthesize(tmp_path_factory.mktemp("cdk.out"), stage=STAGE, guard="false")


def _by_path(template: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """construct path inside the stack -> (logical id, resource)."""
    return {
        r["Metadata"]["aws:cdk:path"].split("/", 1)[1]: (logical_id, r)
        for logical_id, r in template["Resources"].items()
    }


def _function(synth: Synth, handler: str) -> tuple[str, dict[str, Any]]:
    [found] = [
        (k, v)
        for k, v in synth.resources(STAGE, "service", "AWS::Lambda::Function").items()
        if v["Properties"]["Handler"] == handler
    ]
    return found


def _actions(statements: list[dict[str, Any]]) -> list[str]:
    return sorted(a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))


def _role_statements(synth: Synth, role_id: str) -> list[dict[str, Any]]:
    return [
        s
        for p in synth.resources(STAGE, "service", "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_orders_function_keeps_every_id_and_its_own_resources(synth: Synth, two: Synth) -> None:
    one, both = _by_path(synth.template(STAGE, "service")), _by_path(two.template(STAGE, "service"))
    for path, (logical_id, resource) in one.items():
        assert both[path][0] == logical_id, path  # nothing is replaced: no logical id moves
        if path.startswith(
            (
                "Orders/",
                "Deployment/DeploymentGroup",
                "Deployment/ServiceRole",
                "Deployment/PreTrafficHook",
                "HttpApi/Api/",
            )
        ):
            assert both[path][1] == resource, path
    assert two.template(STAGE, "data") == synth.template(STAGE, "data")


def test_the_second_function_gets_exactly_its_data_access(two: Synth) -> None:
    _, function = _function(two, "receipts.handler.lambda_handler")
    props = function["Properties"]
    # Read-only on the table: its name, no retention (only writers stamp expiry), no config or secret.
    assert set(props["Environment"]["Variables"]) == {"TABLE_NAME", "LOG_LEVEL", "TRACING"}
    assert props["Description"] == f"receipts API ({STAGE})"
    assert props["ReservedConcurrentExecutions"] == two.config(STAGE).reserved_concurrency
    statements = _role_statements(two, props["Role"]["Fn::GetAtt"][0])
    assert _actions(statements) == [
        "dynamodb:GetItem",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    ]


def test_each_function_ships_its_own_package_only(two: Synth) -> None:
    for handler, package in (
        ("orders.handler.lambda_handler", "orders"),
        ("receipts.handler.lambda_handler", "receipts"),
    ):
        _, function = _function(two, handler)
        asset = two.outdir / f"asset.{function['Properties']['Code']['S3Key'].removesuffix('.zip')}"
        assert {p.parts[0] for p in (q.relative_to(asset) for q in asset.rglob("*"))} == {package}, handler


def test_routes_invoke_the_alias_of_their_own_function(two: Synth) -> None:
    resources = two.template(STAGE, "service")["Resources"]
    aliases = {
        r["Properties"]["FunctionName"]["Ref"]: logical_id
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::Lambda::Alias"
    }
    functions = {
        k: v["Properties"]["Handler"].split(".")[0]
        for k, v in two.resources(STAGE, "service", "AWS::Lambda::Function").items()
    }
    package_of_alias = {alias: functions[function] for function, alias in aliases.items()}
    routes = {}
    for route in two.resources(STAGE, "service", "AWS::ApiGatewayV2::Route").values():
        integration = resources[route["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]]
        routes[route["Properties"]["RouteKey"]] = package_of_alias[integration["Properties"]["IntegrationUri"]["Ref"]]
    assert routes == {f"{m} {p}": spec.code.name for spec in service_stack.FUNCTIONS for m, p in spec.routes} | {
        "GET /receipts/{order_id}": "receipts"
    }
    for permission in two.resources(STAGE, "service", "AWS::Lambda::Permission").values():
        arn_parts = permission["Properties"]["SourceArn"]["Fn::Join"][1]
        package = package_of_alias[permission["Properties"]["FunctionName"]["Ref"]]
        assert (package == "receipts") is ("/receipts/" in arn_parts[-1])


def test_each_function_has_its_alarms_and_rolls_back_on_its_own(two: Synth) -> None:
    by_path = _by_path(two.template(STAGE, "service"))
    alarms = {path.split("/")[1] for path, (_, r) in by_path.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    per_function = {"Errors", "Throttles", "ConcurrencyNearReserved", "DurationP99", "PcSpillover", "PcUtilization"}
    per_function |= {"Latency", "VersionErrors", "VersionLatency"}
    assert alarms == {"Api5xx"} | {per_function_id(NAMES, name, alarm) for name in NAMES for alarm in per_function}
    alarm_ids = {path.split("/")[1]: logical_id for path, (logical_id, _) in by_path.items()}
    groups = {
        path.split("/")[1]: r["Properties"]
        for path, (_, r) in by_path.items()
        if r["Type"] == "AWS::CodeDeploy::DeploymentGroup"
    }
    assert set(groups) == {per_function_id(NAMES, name, "DeploymentGroup") for name in NAMES}
    for name in NAMES:
        rollback = {
            a["Name"]["Ref"]
            for a in groups[per_function_id(NAMES, name, "DeploymentGroup")]["AlarmConfiguration"]["Alarms"]
        }
        own = ("VersionErrors", "VersionLatency", "Errors", "Latency")
        assert rollback == {alarm_ids[per_function_id(NAMES, name, what)] for what in own} | {alarm_ids["Api5xx"]}
    topic_policy = next(iter(two.resources(STAGE, "service", "AWS::SNS::TopicPolicy").values()))
    statements = topic_policy["Properties"]["PolicyDocument"]["Statement"]
    [publish] = [s for s in statements if s.get("Sid") == "AllowThisStacksAlarmsToPublish"]
    assert len(publish["Condition"]["ArnLike"]["aws:SourceArn"]) == len(alarms)
    dashboard = json.dumps(two.only(STAGE, "service", "AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"])
    assert "Invocations, errors, throttles (orders)" in dashboard and "(receipts)" in dashboard


def test_each_codedeploy_role_shifts_its_own_alias_only(two: Synth) -> None:
    by_path = _by_path(two.template(STAGE, "service"))
    for role, function_path in (("ServiceRole", "Orders"), ("ReceiptsServiceRole", "Receipts")):
        statements = _role_statements(two, by_path[f"Deployment/{role}/Resource"][0])
        [lambda_statement] = [s for s in statements if "lambda:UpdateAlias" in s["Action"]]
        assert lambda_statement["Resource"] == [
            {"Fn::GetAtt": [by_path[f"{function_path}/Function/Resource"][0], "Arn"]},
            {"Ref": by_path[f"{function_path}/ProductionAlias/Resource"][0]},
        ]


def test_the_second_function_gets_its_hook_with_no_hook_code_change(two: Synth) -> None:
    by_path = _by_path(two.template(STAGE, "service"))
    hooks = {
        name: by_path[f"Deployment/{per_function_id(NAMES, name, 'PreTrafficHook')}/Function/Resource"][1]
        for name in NAMES
    }
    # The same code asset and handler; what differs is the environment: its version, its cases, its budget.
    assert len({h["Properties"]["Code"]["S3Key"] for h in hooks.values()}) == 1
    assert len({h["Properties"]["Handler"] for h in hooks.values()}) == 1
    env = hooks["receipts"]["Properties"]["Environment"]["Variables"]
    assert env["TARGET_VERSION_ARN"] == {"Ref": by_path["Receipts/Function/CurrentVersion/Resource"][0]}
    assert json.loads(env["SMOKE_CASES"]) == [
        {
            "name": "unknown order",
            "route": "GET /receipts/{order_id}",
            "expect": 404,
            "path": {"order_id": "{smoke_id}-absent"},
            "body": None,
        }
    ]
    assert env["LATENCY_BUDGET_MS"] == "500" and json.loads(env["SMOKE_CLEANUP"]) == []  # it creates nothing
    role = hooks["receipts"]["Properties"]["Role"]["Fn::GetAtt"][0]
    assert sorted((json.dumps(s["Action"]), json.dumps(s["Resource"])) for s in _role_statements(two, role)) == sorted(
        [
            (
                '"codedeploy:PutLifecycleEventHookExecutionStatus"',
                json.dumps(_group_arn(two, "ReceiptsDeploymentGroup")),
            ),
            ('"lambda:InvokeFunction"', json.dumps({"Ref": by_path["Receipts/Function/CurrentVersion/Resource"][0]})),
            (
                json.dumps(["logs:CreateLogStream", "logs:PutLogEvents"]),
                json.dumps({"Fn::GetAtt": [by_path["Deployment/ReceiptsPreTrafficHook/LogGroup/Resource"][0], "Arn"]}),
            ),
        ]
    )
    alias = by_path["Receipts/ProductionAlias/Resource"][1]
    assert alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]["BeforeAllowTrafficHook"] == {
        "Ref": by_path["Deployment/ReceiptsPreTrafficHook/Function/Resource"][0]
    }


def _group_arn(synth: Synth, group: str) -> Any:
    """The deployment group ARN CDK grants PutLifecycleEventHookExecutionStatus on (a Fn::Join of its name)."""
    [statement] = [
        s
        for p in synth.resources(STAGE, "service", "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "codedeploy:PutLifecycleEventHookExecutionStatus"
        and {"Ref": _by_path(synth.template(STAGE, "service"))[f"Deployment/{group}/Resource"][0]}
        in s["Resource"]["Fn::Join"][1]
    ]
    return statement["Resource"]


def test_outputs_name_each_function(two: Synth) -> None:
    outputs = set(two.template(STAGE, "service")["Outputs"])
    assert {
        f"{f}{what}" for f in ("Orders", "Receipts") for what in ("FunctionName", "AliasName", "AliasArn")
    } <= outputs


def test_cdk_nag_acknowledges_the_same_findings_on_each_function(two: Synth) -> None:
    report = json.loads((two.outdir / "validation-report.json").read_text())
    rules: dict[str, set[str]] = {"Orders": set(), "Receipts": set()}
    for plugin in report["pluginReports"]:
        assert plugin["violations"] == []
        for finding in plugin["suppressedViolations"]:
            for construct in finding["violatingConstructs"]:
                top = construct["constructPath"].split("/")[1]
                if top in rules:
                    rules[top].add(finding["ruleName"])
    assert rules["Receipts"] == rules["Orders"] != set()


# --- the spec refuses what cannot work -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Receipts"}, "the name must be lowercase letters and digits"),
        (
            {"handler": "orders.handler.lambda_handler"},
            "handler 'orders.handler.lambda_handler' must be in its package",
        ),
        ({"data_access": {"orders_tabel": READ}}, "'orders_tabel' is no data resource: did you mean 'orders_table'?"),
        ({"data_access": {"config": READ_WRITE}}, r"config \(ConfigObject\) allows READ access, not WRITE"),
        ({"data_access": {"receipt_secret": WRITE}}, r"receipt_secret \(Secret\) allows READ access, not WRITE"),
    ],
)
def test_a_spec_that_cannot_work_is_refused(tmp_path: Path, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=rf"API function '\w+': .*{message}"):
        _spec(_package(tmp_path, "receipts", ROUTE), **changes)


@pytest.mark.parametrize(
    ("cases", "message"),
    [
        ((), r"route 'GET /receipts/\{order_id\}' has no smoke case: a new version that breaks it would take all"),
        (
            ("SmokeCase('x', 'GET /receipt/{order_id}', 404, path={'order_id': 'a'})",),
            r"case 'x': route 'GET /receipt/\{order_id\}' is not one of the function's routes",
        ),
        (
            ("SmokeCase('x', 'GET /receipts/{order_id}', 404)",),
            r"case 'x': path gives \[\], the route's path parameters",
        ),
        (
            ("SmokeCase('x', 'GET /receipts/{order_id}', 42, path={'order_id': 'a'})",),
            r"case 'x': expect=42 is not an HTTP status",
        ),
        ((SMOKE_CASE, SMOKE_CASE), "case names must be unique: 'unknown order' appear"),
    ],
)
def test_a_function_whose_routes_lack_smoke_cases_is_refused(
    tmp_path: Path, cases: tuple[str, ...], message: str
) -> None:
    code = _package(tmp_path, "receipts", ROUTE)
    (code / "smoke_cases.py").write_text(_smoke_declaration(*cases))
    with pytest.raises(ValueError, match=rf"API function 'receipts': .*receipts/smoke_cases.py: {message}"):
        _spec(code)


def test_cases_too_large_for_the_hooks_environment_fail_synth(tmp_path_factory: pytest.TempPathFactory) -> None:
    code = _package(tmp_path_factory.mktemp("functions"), "receipts", ROUTE)
    big = SMOKE_CASE.replace("'unknown order'", "'unknown order ' + 'x' * 3100")
    (code / "smoke_cases.py").write_text(_smoke_declaration(big))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service_stack, "FUNCTIONS", (*service_stack.FUNCTIONS, _spec(code)))
        with pytest.raises(
            ValueError, match=r"API function 'receipts': smoke_cases.py: CASES take 3\d{3} bytes of the"
        ):
            synthesize(tmp_path_factory.mktemp("cdk.out"), stage="dev", guard="false")


@pytest.mark.parametrize(
    ("value", "access", "message"),
    [
        ("{smoke_id}", READ, "CREATED names 'orders_table', which the function may only READ \\(data_access\\)"),
        ("o-1", READ_WRITE, r"CREATED 'o-1' must start with '\{smoke_id\}': the hook may delete only keys under"),
    ],
)
def test_smoke_data_must_be_writable_and_under_the_reserved_prefix(
    tmp_path: Path, value: str, access: Access, message: str
) -> None:
    code = _package(tmp_path, "receipts", ROUTE)
    created = f"class Created(NamedTuple):\n    data: str\n    key: str\n    value: str\n\n\nCREATED = (Created('orders_table', 'order_id', {value!r}),)\n"
    (code / "smoke_cases.py").write_text(_smoke_declaration(SMOKE_CASE) + created)
    with pytest.raises(ValueError, match=rf"API function 'receipts': .*{message}"):
        _spec(code, data_access={"orders_table": access})


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ((), r"no route declaration at .*receipts/api_routes.py"),  # a package without its declaration
        (None, "ROUTES declares no route"),
    ],
)
def test_a_function_without_declared_routes_is_refused(
    tmp_path: Path, routes: tuple[tuple[str, str], ...] | None, message: str
) -> None:
    code = _package(tmp_path, "receipts", *(routes or ()))
    if routes is None:
        (code / "api_routes.py").write_text("ROUTES = ()\n")
    with pytest.raises(ValueError, match=rf"API function 'receipts': .*{message}.*the HTTP API would never invoke it"):
        _spec(code)
