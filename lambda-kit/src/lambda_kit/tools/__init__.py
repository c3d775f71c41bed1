"""Operations tools for the deployed function: ``python -m tools.cost``, ``tools.cold_start``,
``tools.power_tuning`` (see docs/tools.md). Pure Python + boto3; never imports aws_cdk."""
