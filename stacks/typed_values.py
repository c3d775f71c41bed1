"""A setting's value in its annotated type, from cdk.json (JSON values) or ``-c`` (always strings).

The annotation in ``StageConfig`` says how a value is read, so a new setting of a supported type needs no
code here: ``bool``, ``int``, ``str``, ``tuple[str, ...]`` (a JSON list, or ``a,b`` on the command line),
each also ``| None`` (JSON ``null`` or the word ``none`` unsets it).

Pure Python (no aws_cdk import).
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from typing import Any, Union, get_args, get_origin

NONE_WORDS = ("none", "null")
_INTEGER = re.compile(r"-?\d+")


class TypedValueError(ValueError):
    """The value does not fit the annotation; ``str()`` says what is allowed: "is not an integer"."""

    def __init__(self, expected: str, hint: str = "") -> None:
        super().__init__(expected, hint)
        self.expected, self.hint = expected, hint

    def __str__(self) -> str:
        return f"is not {self.expected}" + (f": {self.hint}" if self.hint else "")


def _bool(value: Any) -> bool:
    # Only true/false: "yes", "1" or "on" would otherwise be read as false without a word.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise TypedValueError("true or false")


def _int(value: Any) -> int:
    if isinstance(value, bool):  # JSON true is not 1
        raise TypedValueError("an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    raise TypedValueError("an integer")


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise TypedValueError("a string", 'quote it in cdk.json: "..."')


def _str_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):  # `-c key=a,b`; `none` or nothing: an empty list
        value = [] if value.strip().lower() in ("", *NONE_WORDS) else value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise TypedValueError("a list of strings", '["a", "b"] in cdk.json, a,b with -c')
    items = tuple(item.strip() for item in value)
    if "" in items:  # "a,,b" is a typo, not two entries
        raise TypedValueError("a list of non-empty strings", "an entry is empty")
    return items


_PARSERS: dict[Any, Callable[[Any], Any]] = {bool: _bool, int: _int, str: _str, tuple[str, ...]: _str_tuple}
_EXPECTED = {bool: "true or false", int: "an integer", str: "a string", tuple[str, ...]: "a list of strings"}


def optional_inner(annotation: Any) -> Any | None:
    """``X`` for ``X | None``; None when the annotation is not optional."""
    if get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        return rest[0] if len(rest) == 1 else None
    return None


def is_supported(annotation: Any) -> bool:
    return (optional_inner(annotation) or annotation) in _PARSERS


def parse(annotation: Any, value: Any) -> Any:
    """``value`` as ``annotation``; raises TypedValueError saying what is allowed."""
    inner = optional_inner(annotation)
    if inner is not None:
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", *NONE_WORDS)):
            return None
        try:
            return _PARSERS[inner](value)
        except TypedValueError as error:
            raise TypedValueError(f"{error.expected} or none", error.hint) from None
    if value is None:
        raise TypedValueError(_EXPECTED[annotation], "this setting cannot be unset")
    return _PARSERS[annotation](value)
