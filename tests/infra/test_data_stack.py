"""The stateful stack: orders table and config bucket, protected in prod and disposable in dev."""

from __future__ import annotations

import json

import pytest
from aws_cdk import assertions

from tests.infra.conftest import STAGES, Synth

RETAINED = {"dev": False, "prod": True}


@pytest.mark.parametrize("stage", STAGES)
def test_orders_table_key_billing_and_recovery(synth: Synth, stage: str) -> None:
    table = synth.only(stage, "data", "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "order_id", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "order_id", "AttributeType": "S"}]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert "TableName" not in props  # derived from the stack: no collision between stages or forks


@pytest.mark.parametrize("stage", STAGES)
def test_orders_table_protection_follows_stage(synth: Synth, stage: str) -> None:
    table = synth.only(stage, "data", "AWS::DynamoDB::Table")
    retained = RETAINED[stage]
    assert table["Properties"]["DeletionProtectionEnabled"] is retained
    assert table["DeletionPolicy"] == ("Retain" if retained else "Delete")
    assert table["UpdateReplacePolicy"] == ("Retain" if retained else "Delete")


@pytest.mark.parametrize("stage", STAGES)
def test_buckets_are_private_and_encrypted(synth: Synth, stage: str) -> None:
    template = assertions.Template.from_json(synth.template(stage, "data"))
    template.all_resources_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        },
    )
    assert len(synth.resources(stage, "data", "AWS::S3::Bucket")) == 2  # config + its access logs


@pytest.mark.parametrize("stage", STAGES)
def test_config_bucket_is_versioned_and_access_logged(synth: Synth, stage: str) -> None:
    _, bucket = synth.at(stage, "data", "Config/Bucket")
    logs_id, _ = synth.at(stage, "data", "AccessLogs/Bucket")
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["Properties"]["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": logs_id},
        "LogFilePrefix": "config-bucket/",
    }


@pytest.mark.parametrize("stage", STAGES)
def test_bucket_policies_deny_plain_http(synth: Synth, stage: str) -> None:
    template = assertions.Template.from_json(synth.template(stage, "data"))
    assert len(synth.resources(stage, "data", "AWS::S3::BucketPolicy")) == 2
    template.all_resources_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": assertions.Match.array_with(
                    [
                        assertions.Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                "Principal": {"AWS": "*"},
                            }
                        )
                    ]
                )
            },
        },
    )


@pytest.mark.parametrize("stage", STAGES)
def test_stateful_resources_follow_the_stage_removal_policy(synth: Synth, stage: str) -> None:
    expected = "Retain" if RETAINED[stage] else "Delete"
    for path in ("Config/Bucket", "AccessLogs/Bucket", "ReceiptSigning/Secret"):
        assert synth.at(stage, "data", path)[1]["DeletionPolicy"] == expected, path
    auto_delete = synth.resources(stage, "data", "Custom::S3AutoDeleteObjects")
    # dev's buckets are emptied so that `cdk destroy` can delete them; prod's are never touched.
    assert len(auto_delete) == (0 if RETAINED[stage] else 2)


@pytest.mark.parametrize("stage", STAGES)
def test_config_json_is_deployed_into_the_bucket(synth: Synth, stage: str) -> None:
    deployment = synth.only(stage, "data", "Custom::CDKBucketDeployment")["Properties"]
    assert deployment["Prune"] is False  # never deletes objects it does not manage
    assert deployment["RetainOnDelete"] is RETAINED[stage]
    bucket_id, _ = synth.at(stage, "data", "Config/Bucket")
    assert deployment["DestinationBucketName"] == {"Ref": bucket_id}


def test_prod_data_stack_has_termination_protection(synth: Synth) -> None:
    artifacts = json.loads((synth.outdir / "manifest.json").read_text())["artifacts"]
    prod, dev = synth.config("prod").stack_name("data"), synth.config("dev").stack_name("data")
    assert artifacts[prod]["properties"].get("terminationProtection") is True
    assert not artifacts[dev]["properties"].get("terminationProtection")
