# Baseline (a) for the cold-start benchmark: the course unit's exercise 1 (init outside the handler)
# combined with exercise 5 (X-Ray), kept as published on purpose: patch_all(), boto3.resource,
# lru_cache. The only changes: the two exercises merged into one file, and the order read from an
# HTTP API event body so it makes the same calls as the other variants. Do not use it as a template.

import json
import os
from functools import lru_cache

import boto3
from aws_xray_sdk.core import patch_all, xray_recorder

# 自動パッチ（boto3, requests 等をトレース）
patch_all()

# 環境変数
TABLE_NAME = os.environ["TABLE_NAME"]
REGION = os.environ.get("AWS_REGION", "ap-northeast-1")

# AWS クライアント（再利用される）
dynamodb = boto3.resource("dynamodb", region_name=REGION)
table = dynamodb.Table(TABLE_NAME)

s3_client = boto3.client("s3")


# 設定の遅延読み込み
@lru_cache(maxsize=1)
def get_config():
    """設定を一度だけ読み込む"""
    response = s3_client.get_object(Bucket=os.environ["CONFIG_BUCKET"], Key="config.json")
    return json.loads(response["Body"].read())


def lambda_handler(event, context):
    order = json.loads(event["body"])
    config = get_config()  # キャッシュから取得

    with xray_recorder.in_subsegment("validate_input") as subseg:
        subseg.put_annotation("order_id", order.get("order_id"))
        validate_input(order, config)

    with xray_recorder.in_subsegment("process_order") as subseg:
        result = process_order(order)
        subseg.put_metadata("result", result)

    with xray_recorder.in_subsegment("save_to_dynamodb"):
        save_order(result)

    return {"statusCode": 200, "body": json.dumps(result)}


def validate_input(order, config):
    pass


def process_order(order):
    return {"order_id": order.get("order_id"), "items": order.get("items"), "status": "processed"}


def save_order(order):
    table.put_item(Item=order)
