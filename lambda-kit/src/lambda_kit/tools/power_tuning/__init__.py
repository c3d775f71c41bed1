"""Memory sweep in the spirit of AWS Lambda Power Tuning, for teams that don't deploy its state machine.

- ``analysis``: samples -> duration and cost per size -> recommendation (pure; Power Tuning's options)
- ``sweep``: the sweep against the function, always restored
- ``report`` / ``chart``: JSON, PNG and text
- ``apply``: the recommendation written into cdk.json
- ``cli``: ``lambda-kit power-tuning``
"""

from lambda_kit.tools.power_tuning.analysis import MemoryResult, analyze, choose, recommend
from lambda_kit.tools.power_tuning.cli import build_parser, main
from lambda_kit.tools.power_tuning.report import finish, render
from lambda_kit.tools.power_tuning.sweep import SweepOptions

__all__ = [
    "MemoryResult",
    "SweepOptions",
    "analyze",
    "build_parser",
    "choose",
    "finish",
    "main",
    "recommend",
    "render",
]
