import sys

from tools.aws import run
from tools.power_tuning.cli import main

sys.exit(run(main))
