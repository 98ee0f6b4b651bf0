"""Every op of the engine in one table: its name, micrograd's symbol, its forward and derivative rules.

Everything that needs to know an op reads ``OPS`` (or ``lookup``): ``Value`` computes data and
local derivatives with it, the graph reader (``engine.reader``) recognises the ops of any
micrograd-like ``Value`` by its symbols and spellings, the graph JSON sends each op's title and
rules to the page's chain-rule panel, and the DOT writer draws its symbol. The compiled executor
(``engine.compiled``) has numpy versions of the same rules, vectorized; its tests compare the two.

Rules take the operands' data as a list (``+`` and ``*`` accept any number of operands, as a graph
read from another engine may have) and the exponent of ``**k``. Arithmetic follows IEEE 754
instead of raising (see ``engine.value``). Pure Python, standard library only: this module is
also loaded into Pyodide in the browser.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Forward = Callable[[Sequence[float], float], float]  # (operands' data, exponent) -> data
Local = Callable[[Sequence[float], float, float], tuple[float, ...]]  # (operands, data, k) -> d/d each


def ieee_pow(base: float, exponent: float) -> float:
    """``base ** exponent`` that returns inf/nan (IEEE 754 ``pow``) instead of raising."""
    try:
        return math.pow(base, exponent)
    except (OverflowError, ValueError):
        odd = float(exponent).is_integer() and exponent % 2 == 1
        if base < 0 and not float(exponent).is_integer():
            return math.nan
        return -math.inf if (base < 0 or math.copysign(1.0, base) < 0) and odd else math.inf


def ieee_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def ieee_log(x: float) -> float:
    if x > 0:
        return math.log(x)
    if x == 0:
        return -math.inf
    return math.nan


def stable_sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)  # x < 0: exp(x) cannot overflow
    return z / (1.0 + z)


def _product(xs: Sequence[float]) -> float:
    out = 1.0
    for x in xs:
        out *= x
    return out


def _mul_local(xs: Sequence[float], out: float, k: float) -> tuple[float, ...]:
    if len(xs) == 2:  # the usual case, and exact: b, a (a product of "the others" would be the same)
        return (xs[1], xs[0])
    return tuple(_product(xs[:i] + xs[i + 1 :]) for i in range(len(xs)))


def _pow_local(xs: Sequence[float], out: float, k: float) -> tuple[float, ...]:
    if k == 0:  # x**0 is constant; 0 * x**-1 would make nan (or inf * 0) at x = 0
        return (0.0,)
    return (k * ieee_pow(xs[0], k - 1),)


def _log_local(xs: Sequence[float], out: float, k: float) -> tuple[float, ...]:
    x = xs[0]
    return (1.0 / x if x != 0 else math.copysign(math.inf, x),)


@dataclass(frozen=True)
class Op:
    name: str  # the readable name the graph JSON uses: add, mul, pow, relu, ...
    symbol: str  # micrograd's ``_op`` ("**" for pow: the exponent follows, "**2")
    title: str  # what the page calls it
    formula: str  # the forward rule, for the chain-rule panel
    derivative: str  # the local derivative rule, for the chain-rule panel
    arity: int  # operands micrograd gives it (+ and * accept more when read from another engine)
    forward: Forward
    local: Local
    spellings: tuple[str, ...] = ()  # other ``_op`` strings that mean this op (other engines, tutorials)

    def apply(self, xs: Sequence[float], exponent: float = 0.0) -> float:
        return self.forward(xs, exponent)

    def local_grads(self, xs: Sequence[float], out: float, exponent: float = 0.0) -> tuple[float, ...]:
        return self.local(xs, out, exponent)

    def symbol_for(self, exponent: float | None) -> str:
        """micrograd's ``_op`` string: ``f'**{k}'`` for a power, the symbol otherwise."""
        if self.name != "pow":
            return self.symbol
        k = 0.0 if exponent is None else exponent
        return f"**{int(k) if float(k).is_integer() and abs(k) < 2**53 else k}"


OPS: tuple[Op, ...] = (
    Op(
        "add", "+", "addition", "out = a + b", "∂out/∂a = 1    ∂out/∂b = 1", 2,
        lambda xs, k: math.fsum(xs) if len(xs) > 2 else xs[0] + xs[1],
        lambda xs, out, k: (1.0,) * len(xs),
    ),
    Op(
        "mul", "*", "multiplication", "out = a · b", "∂out/∂a = b    ∂out/∂b = a", 2,
        lambda xs, k: _product(xs), _mul_local,
    ),
    Op(
        "pow", "**", "power", "out = xᵏ", "∂out/∂x = k · xᵏ⁻¹", 1,
        lambda xs, k: ieee_pow(xs[0], k), _pow_local,
    ),
    Op(
        "relu", "ReLU", "ReLU", "out = max(0, x)", "∂out/∂x = 1 if x > 0, else 0", 1,
        # `<= 0`, not `> 0`: nan passes through (as in micrograd and torch) instead of becoming 0.
        lambda xs, k: 0.0 if xs[0] <= 0 else xs[0],
        lambda xs, out, k: (1.0 if out > 0 else 0.0,),
        spellings=("relu", "Relu", "RELU"),
    ),
    Op(
        "tanh", "tanh", "tanh", "out = tanh(x)", "∂out/∂x = 1 − tanh²(x) = 1 − out²", 1,
        lambda xs, k: math.tanh(xs[0]),  # saturates to ±1, never overflows
        lambda xs, out, k: (1.0 - out**2,),
        spellings=("Tanh",),
    ),
    Op(
        "exp", "exp", "exponential", "out = eˣ", "∂out/∂x = eˣ = out", 1,
        lambda xs, k: ieee_exp(xs[0]),
        lambda xs, out, k: (out,),
        spellings=("Exp", "e^"),
    ),
    Op(
        "log", "log", "natural log", "out = ln x", "∂out/∂x = 1 / x", 1,
        lambda xs, k: ieee_log(xs[0]), _log_local,
        spellings=("ln", "Log"),
    ),
    Op(
        "sigmoid", "sigmoid", "sigmoid", "out = σ(x) = 1 / (1 + e⁻ˣ)",
        "∂out/∂x = σ(x) · (1 − σ(x)) = out · (1 − out)", 1,
        lambda xs, k: stable_sigmoid(xs[0]),
        lambda xs, out, k: (out * (1.0 - out),),
        spellings=("Sigmoid", "σ"),
    ),
)  # fmt: skip

BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
_BY_SYMBOL: dict[str, Op] = {s: op for op in OPS if op.name != "pow" for s in (op.symbol, *op.spellings)}
ADD, MUL, POW = BY_NAME["add"], BY_NAME["mul"], BY_NAME["pow"]
LEAF_NAME = "leaf"
UNKNOWN_NAME = "unknown"  # an op read from another engine that this table does not know


def lookup(symbol: str) -> tuple[Op | None, float | None]:
    """The op micrograd's ``_op`` string ``symbol`` stands for, and its exponent for ``**k``.

    ``(None, None)`` for an op this table does not know (and for a leaf's ``""``).
    """
    op = _BY_SYMBOL.get(symbol)
    if op is not None:
        return op, None
    if symbol.startswith("**"):
        try:
            k = float(symbol[2:])
        except ValueError:
            return None, None
        return (POW, k) if math.isfinite(k) else (None, None)
    return None, None


def describe_ops() -> dict[str, dict[str, str]]:
    """Each op's symbol, title and rules by name, as the graph JSON sends them to the page."""
    return {
        op.name: {"symbol": op.symbol, "title": op.title, "formula": op.formula, "derivative": op.derivative}
        for op in OPS
    }
