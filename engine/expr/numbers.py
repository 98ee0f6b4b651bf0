"""Arithmetic on plain numbers (``k = 2 * 3``), with the engine's IEEE policy instead of exceptions.

Integers stay integers while they are exact in a float (|n| <= 2**53), so ``range(k)`` and list
sizes work; beyond that they become floats, which keeps a loop like ``k = k * k`` from growing
ever-larger Python ints.
"""

from __future__ import annotations

import ast
import math

from engine.ops import ieee_pow

Number = int | float
_EXACT_INT = 2**53
_NUMBER_TYPES = (int, float)  # not int | float: a union would be built on every call


def is_number(x: object) -> bool:
    """A plain number: int or float, not bool (True + 1 is not arithmetic this language has)."""
    return isinstance(x, _NUMBER_TYPES) and not isinstance(x, bool)


def _tame(x: Number) -> Number:
    if type(x) is not float and abs(x) > _EXACT_INT:
        try:
            return float(x)
        except OverflowError:
            return math.inf if x > 0 else -math.inf
    return x


def divide(a: Number, b: Number) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def power(a: Number, b: Number) -> Number:
    if isinstance(a, int) and isinstance(b, int) and b >= 0:
        return _tame(a**b)  # |a| <= 2**53 and b <= max_exponent keep this cheap
    return ieee_pow(a, b)


def fold(op: ast.operator, a: Number, b: Number) -> Number:
    """``a op b`` for two plain numbers."""
    return _FOLD[type(op)](a, b)


_FOLD = {
    ast.Add: lambda a, b: _tame(a + b),
    ast.Sub: lambda a, b: _tame(a - b),
    ast.Mult: lambda a, b: _tame(a * b),
    ast.Div: divide,
    ast.Pow: power,
}
