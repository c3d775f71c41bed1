#!/usr/bin/env python3
"""CDK entry point: read the stage(s), build the stacks. `npx cdk synth -c stage=prod` / `-c stage=all`."""

import sys

from stacks.interpreter import use_project_interpreter

use_project_interpreter()  # before aws_cdk: cdk.json's `python3` may be the machine's, without the venv

from stacks.app_builder import build, new_app  # noqa: E402
from stacks.stage_rules import ConfigError  # noqa: E402

app = new_app()
try:
    build(app)
except ConfigError as error:
    # A clear one-line refusal instead of a traceback: the message names the field and what is allowed.
    sys.exit(f"invalid stage config: {error}")
app.synth()
