"""SnapStart runtime hooks, as no-ops where SnapStart is not in use.

With SnapStart, Lambda runs init once, snapshots the memory, and resumes every new environment from
that snapshot. Whatever init computed is then shared by all of them and may be stale: credentials
resolved at init, open connections, random seeds, timers. ``after_restore`` registers a function that
re-creates such state in each restored environment. The ``snapshot_restore_py`` module ships with Lambda's
Python 3.12+ runtimes (and with awslambdaric, which runs the function locally); elsewhere registration does
nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def after_restore(hook: F) -> F:
    """Decorator: run ``hook()`` after each restore from a snapshot (SnapStart only)."""
    try:
        from snapshot_restore_py import register_after_restore
    except ImportError:  # not in Lambda, or a runtime without SnapStart support
        return hook
    register_after_restore(hook)
    return hook
