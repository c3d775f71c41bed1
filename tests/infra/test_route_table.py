"""The documents' route table is generated from the synthesized templates (`make routes-table`: the kit's
``lambda-kit routes --write``, which reads each route's function and what its role may do as IAM reads it)."""

from __future__ import annotations

from lambda_kit import config as kit_config
from lambda_kit.access import route_table
from lambda_kit.assembly.app_model import AppModel
from lambda_kit.assembly.cloud_assembly import CloudAssembly

from tests.infra.conftest import ROOT, Synth, all_routes


def dev_model(synth: Synth) -> AppModel:
    assembly = CloudAssembly(synth.outdir)
    return AppModel(assembly, assembly.select([synth.config("dev").stack_name("service")]))


def test_the_documents_route_tables_are_what_the_templates_say(synth: Synth) -> None:
    documents = kit_config.load(ROOT).section("routes")["documents"]
    assert set(documents) >= {"docs/api.md", "docs/ja/api.md"}
    stale = route_table.stale_documents(dev_model(synth), documents, ROOT)
    assert stale == [], "run `make routes-table` and commit the documents"


def test_each_route_names_its_function_and_exactly_what_its_role_may_do(synth: Synth) -> None:
    rows = route_table.rows(dev_model(synth))
    assert {route.key for route, _, _ in rows} == all_routes()
    _, function, access = next(row for row in rows if row[0].key == "POST /orders")
    assert function.label == "Orders/Function"
    assert access["Orders/Table"] == ["dynamodb:GetItem", "dynamodb:PutItem"]
    assert access["ReceiptSigning/Secret"] == ["secretsmanager:GetSecretValue"]
    assert access["Config/Bucket"] == ["s3:GetObject"]
