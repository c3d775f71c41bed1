"""Operations tools for a deployed function: ``lambda-kit cost``, ``cold-start``, ``power-tuning``, ``e2e``.
Pure Python + boto3; never imports aws_cdk nor the app."""
