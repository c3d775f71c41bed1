"""Row (r) of the benchmark: the runtime alone. Its Init Duration is the interpreter and the runtime interface
client starting, its Duration what the client itself costs per request: subtracted from the other rows,
they leave what each row's own code costs."""


def lambda_handler(event, context):
    return {"statusCode": 201, "body": "{}"}
