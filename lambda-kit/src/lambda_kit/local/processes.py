"""Stopping a child process this tool started: politely first, then for sure."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from typing import Any


def terminate(process: subprocess.Popen[Any], timeout: float = 5.0, group: bool = False) -> int:
    """SIGTERM, then SIGKILL after ``timeout`` seconds; returns the exit status. ``group``: the process leads a
    process group of its own (``start_new_session``), and every process in it is stopped too: the workers a runtime
    forked, which outlive their parent otherwise."""

    def send(signum: int) -> None:
        if group:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)

    if process.poll() is None:
        send(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            send(signal.SIGKILL)
            process.wait()
    if group:
        send(signal.SIGKILL)  # what is left of the group once its leader is gone
    return process.returncode
