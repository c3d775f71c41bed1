#!/usr/bin/env python3
"""CDK entry point: read the stage(s), build the stacks. `cdk synth -c stage=prod` / `-c stage=dev,prod`."""

import sys

import aws_cdk as cdk

from stacks.app_builder import build
from stacks.config import ConfigError

app = cdk.App()
try:
    build(app)
except ConfigError as error:
    # A clear one-line refusal instead of a traceback: the message names the field and what is allowed.
    sys.exit(f"invalid stage config: {error}")
app.synth()
