"""The stateful stack: orders table and config bucket, protected in prod and disposable in dev."""

from __future__ import annotations

import json

import pytest
from aws_cdk import assertions

from tests.infra.conftest import Synth

RETAINED = {"dev": False, "prod": True}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_orders_table_key_billing_and_recovery(synth: Synth, stage: str) -> None:
    table = synth.only(stage, "data", "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "order_id", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "order_id", "AttributeType": "S"}]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert "TableName" not in props  # derived from the stack: no collision between stages or forks


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_orders_table_protection_follows_stage(synth: Synth, stage: str) -> None:
    table = synth.only(stage, "data", "AWS::DynamoDB::Table")
    retained = RETAINED[stage]
    assert table["Properties"]["DeletionProtectionEnabled"] is retained
    assert table["DeletionPolicy"] == ("Retain" if retained else "Delete")
    assert table["UpdateReplacePolicy"] == ("Retain" if retained else "Delete")


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_config_bucket_is_private_encrypted_versioned(synth: Synth, stage: str) -> None:
    template = assertions.Template.from_json(synth.template(stage, "data"))
    template.has_resource_properties("AWS::S3::Bucket", {
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "BlockPublicPolicy": True,
            "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        },
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        "VersioningConfiguration": {"Status": "Enabled"},
    })


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_config_bucket_policy_denies_plain_http(synth: Synth, stage: str) -> None:
    template = assertions.Template.from_json(synth.template(stage, "data"))
    template.has_resource_properties("AWS::S3::BucketPolicy", {
        "PolicyDocument": {"Statement": assertions.Match.array_with([assertions.Match.object_like({
            "Effect": "Deny",
            "Action": "s3:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            "Principal": {"AWS": "*"},
        })])},
    })


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_config_bucket_lifecycle_follows_stage(synth: Synth, stage: str) -> None:
    bucket = synth.only(stage, "data", "AWS::S3::Bucket")
    auto_delete = synth.resources(stage, "data", "Custom::S3AutoDeleteObjects")
    if RETAINED[stage]:
        assert bucket["DeletionPolicy"] == "Retain"
        assert auto_delete == {}
    else:
        assert bucket["DeletionPolicy"] == "Delete"
        assert len(auto_delete) == 1  # emptied so that `cdk destroy` can delete it


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_config_json_is_deployed_into_the_bucket(synth: Synth, stage: str) -> None:
    deployment = synth.only(stage, "data", "Custom::CDKBucketDeployment")["Properties"]
    assert deployment["Prune"] is False  # never deletes objects it does not manage
    assert deployment["RetainOnDelete"] is RETAINED[stage]
    bucket_id = next(iter(synth.resources(stage, "data", "AWS::S3::Bucket")))
    assert deployment["DestinationBucketName"] == {"Ref": bucket_id}


def test_prod_data_stack_has_termination_protection(synth: Synth) -> None:
    artifacts = json.loads((synth.outdir / "manifest.json").read_text())["artifacts"]
    assert artifacts["lambda-deep-dive-prod-data"]["properties"].get("terminationProtection") is True
    assert not artifacts["lambda-deep-dive-dev-data"]["properties"].get("terminationProtection")
