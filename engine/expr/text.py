"""How values read as text: ``print(...)`` output, f-strings and the names of kinds in error messages.

Text is built under a character budget: ``x = [x, x]`` ten times over is a small program whose
``repr`` would be huge, so rendering stops at the budget and ends with an ellipsis.
"""

from __future__ import annotations

import ast
import re

from engine.expr.errors import ExprError
from engine.expr.numbers import is_number
from engine.nn import MLP, Layer, Neuron
from engine.value import Value

ELLIPSIS = "…"
_MAX_LIST_DEPTH = 100
_MAX_SPEC_NUMBER = 100  # width and precision in a format spec ("{x:.4f}", "{x:>10}")
_FORMAT_SPEC = re.compile(
    r"(?:(?P<fill>.)?[<>=^])?[-+ ]?z?#?0?(?P<width>\d+)?[_,]?(?:\.(?P<precision>\d+))?[bcdeEfFgGnosxX%]?",
    re.DOTALL,
)


def describe(x: object) -> str:
    """What kind of thing ``x`` is, for error messages: "a Value", "a number", "a list"..."""
    if isinstance(x, Value):
        return "a Value"
    if isinstance(x, bool):
        return str(x)
    if is_number(x):
        return "a number"
    if x is None:
        return "None"
    kinds = {str: "a string", list: "a list", tuple: "a tuple", range: "a range", zip: "a zip(...)"}
    kinds |= {enumerate: "an enumerate(...)", MLP: "an MLP", Layer: "a Layer", Neuron: "a Neuron"}
    return kinds.get(type(x), getattr(x, "kind", "an object"))


class _Full(Exception):
    """The text reached its budget."""


def render(x: object, limit: int, quoted: bool = False) -> str:
    """``str(x)`` (``repr(x)`` when ``quoted``) as Python would print it, cut to ``limit`` characters."""
    parts: list[str] = []
    used = 0

    def emit(text: str) -> None:
        nonlocal used
        parts.append(text)
        used += len(text)
        if used > limit:
            raise _Full

    def walk(item: object, top: bool, depth: int) -> None:
        if isinstance(item, str):
            emit(item if top and not quoted else repr(item))
        elif isinstance(item, list | tuple):
            if depth >= _MAX_LIST_DEPTH:
                emit("[...]")
                return
            emit("[" if isinstance(item, list) else "(")
            for i, element in enumerate(item):
                if i:
                    emit(", ")
                walk(element, False, depth + 1)
            emit("]" if isinstance(item, list) else ("," if len(item) == 1 else "") + ")")
        else:
            emit(_scalar(item))

    try:
        walk(x, True, 0)
    except _Full:
        return "".join(parts)[: max(limit - 1, 0)] + ELLIPSIS
    return "".join(parts)


def _scalar(x: object) -> str:
    if x is None or isinstance(x, bool | int | float | Value | range | MLP | Layer | Neuron):
        return repr(x)  # Value's repr is micrograd's "Value(data=..., grad=...)"
    if isinstance(x, zip | enumerate):
        return f"<{type(x).__name__} object>"  # Python's repr shows a memory address
    return repr(x)  # the language's own kinds (functions, methods, modules) have short reprs


def format_field(x: object, conversion: int, spec: str, limit: int) -> str:
    """One ``{x!r:spec}`` field of an f-string."""
    if conversion in (ord("r"), ord("a")):
        x = render(x, limit, quoted=True)
    elif conversion == ord("s"):
        x = render(x, limit)
    if not spec:
        return render(x, limit)
    _check_spec(spec)
    if isinstance(x, Value):
        raise ExprError(f"a Value cannot be formatted with ':{spec}'; format its .data or .grad instead")
    if not (is_number(x) or isinstance(x, str)):
        raise ExprError(f"{describe(x)} cannot be formatted with ':{spec}'")
    try:
        return format(x, spec)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ExprError(f"cannot format {describe(x)} with ':{spec}': {exc}") from None


def _check_spec(spec: str) -> None:
    match = _FORMAT_SPEC.fullmatch(spec)
    if match is None:
        raise ExprError(f"invalid format spec ':{spec}'")
    for field in ("width", "precision"):
        digits = match.group(field)
        if digits is not None and (len(digits) > 3 or int(digits) > _MAX_SPEC_NUMBER):
            raise ExprError(f"format {field}s are limited to {_MAX_SPEC_NUMBER}")


def call_name(func: ast.expr) -> str:
    """What a call is called in messages: ``f`` of ``f(x)``, ``relu`` of ``a.relu()``."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return "this"


def subject(func: ast.expr) -> str:
    return f"'{func.id}'" if isinstance(func, ast.Name) else "this"
