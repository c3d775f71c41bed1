"""Floor (c) for the benchmark: the AWS calls every variant makes, and nothing else.

One botocore session and the S3 and DynamoDB clients; config.json read once, at init; per request, the
body parsed and the same item as orders.handler stores written with the same conditional put_item. No
validation, no logging, no tracing, no response document: a handler that makes these calls cannot be
faster than this, cold or warm.
"""

import datetime
import hashlib
import json
import os

from botocore.session import Session

session = Session()
s3 = session.create_client("s3")
dynamodb = session.create_client("dynamodb")
config = json.loads(s3.get_object(Bucket=os.environ["CONFIG_BUCKET"], Key="config.json")["Body"].read())
table = os.environ["TABLE_NAME"]


def lambda_handler(event, context):
    order = json.loads(event["body"])
    dynamodb.put_item(
        TableName=table,
        Item={
            "order_id": {"S": order["order_id"]},
            "items": {
                "L": [{"M": {"sku": {"S": i["sku"]}, "quantity": {"N": str(i["quantity"])}}} for i in order["items"]]
            },
            "status": {"S": "processed"},
            "created_at": {"S": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")},
            "total_quantity": {"N": str(sum(i["quantity"] for i in order["items"]))},
            "request_sha256": {"S": hashlib.sha256(event["body"].encode()).hexdigest()},
        },
        ConditionExpression="attribute_not_exists(order_id)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    return {"statusCode": 201, "body": "{}"}
