"""The orders service's Lambda function. Entry point: ``orders.handler.lambda_handler``."""
