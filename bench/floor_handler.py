"""Floor (c) for the cold-start benchmark: the AWS calls every variant makes, and nothing else.

One botocore session, the S3 and DynamoDB clients, one get_object, one put_item. No validation, no
logging, no tracing: a handler that makes these calls cannot start faster than this.
"""

import os

from botocore.session import Session

session = Session()
s3 = session.create_client("s3")
dynamodb = session.create_client("dynamodb")


def lambda_handler(event, context):
    s3.get_object(Bucket=os.environ["CONFIG_BUCKET"], Key="config.json")["Body"].read()
    dynamodb.put_item(
        TableName=os.environ["TABLE_NAME"],
        Item={"order_id": {"S": context.aws_request_id}, "status": {"S": "processed"}},
    )
    return {"statusCode": 201, "body": "{}"}
