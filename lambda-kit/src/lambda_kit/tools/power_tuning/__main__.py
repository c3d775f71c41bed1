import sys

from lambda_kit.tools.aws import run
from lambda_kit.tools.power_tuning.cli import main

sys.exit(run(main))
