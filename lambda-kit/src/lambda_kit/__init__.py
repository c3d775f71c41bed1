"""lambda-kit: run, measure and check a Python AWS Lambda service through its CDK cloud assembly (``cdk.out``)."""

__version__ = "0.1.0"
