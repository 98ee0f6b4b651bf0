"""A scalar autograd engine in the style of micrograd's ``engine.py``.

Differences from micrograd, each on purpose:

* Operands are kept as an ordered tuple, so ``a + a`` has two inputs (two edges, gradient 2).
* The backward rule of a node is a method chosen by its op, not a closure stored on the node.
  A closure that captures its own output node is a reference cycle; with thousands of them per
  training step Python's cyclic garbage collector ends up dominating the run time. Without
  cycles a dropped graph is freed by reference counting alone.
* ``backward()`` sorts the graph iteratively, so a chain of a million nodes works.
* Arithmetic follows IEEE 754 instead of raising: ``exp`` overflow is ``inf``, ``log(0)`` is
  ``-inf``, ``log`` of a negative number is ``nan``, ``x / 0`` is ``±inf`` (``0 / 0`` is
  ``nan``), ``0 ** -1`` is ``inf``, a negative base with a fractional exponent is ``nan``, and
  ``nan`` passes through every op (``relu`` included, as in micrograd and torch).
  Gradients follow the same rules, so a bad value shows up as ``inf``/``nan`` in the graph
  rather than as an exception halfway through a pass.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

Number = int | float

_READABLE_OPS = {"": "leaf", "+": "add", "*": "mul", "ReLU": "relu"}


def _ieee_pow(base: float, exponent: float) -> float:
    """``base ** exponent`` that returns inf/nan (IEEE 754 ``pow``) instead of raising."""
    try:
        return math.pow(base, exponent)
    except (OverflowError, ValueError):
        odd = float(exponent).is_integer() and exponent % 2 == 1
        if base < 0 and not float(exponent).is_integer():
            return math.nan
        return -math.inf if (base < 0 or math.copysign(1.0, base) < 0) and odd else math.inf


def _ieee_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _ieee_log(x: float) -> float:
    if x > 0:
        return math.log(x)
    if x == 0:
        return -math.inf
    return math.nan


def _stable_tanh(x: float) -> float:
    return math.tanh(x)  # math.tanh saturates to ±1 and never overflows


def _stable_sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)  # x < 0: exp(x) cannot overflow
    return z / (1.0 + z)


class Value:
    """A scalar, the op that made it, its operands, and the gradient of the output w.r.t. it."""

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_exponent", "__weakref__")

    def __init__(self, data: Number, _children: Iterable[Value] = (), _op: str = "", label: str = ""):
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._prev: tuple[Value, ...] = tuple(_children)
        self._op = _op
        self._exponent: float = 0.0

    # ---------------------------------------------------------------- arithmetic

    def __add__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), "+")

    def __mul__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), "*")

    def __pow__(self, other: Number) -> Value:
        if not isinstance(other, (int, float)):
            raise TypeError("only int/float powers are supported, as in micrograd")
        out = Value(_ieee_pow(self.data, other), (self,), f"**{other}")
        out._exponent = float(other)
        return out

    def relu(self) -> Value:
        # `<= 0`, not `> 0`: nan passes through (as in micrograd and torch) instead of becoming 0.
        return Value(0.0 if self.data <= 0 else self.data, (self,), "ReLU")

    def tanh(self) -> Value:
        return Value(_stable_tanh(self.data), (self,), "tanh")

    def exp(self) -> Value:
        return Value(_ieee_exp(self.data), (self,), "exp")

    def log(self) -> Value:
        return Value(_ieee_log(self.data), (self,), "log")

    def sigmoid(self) -> Value:
        return Value(_stable_sigmoid(self.data), (self,), "sigmoid")

    def __neg__(self) -> Value:  # -self
        return self * -1

    def __radd__(self, other: Number) -> Value:  # other + self
        return self + other

    def __sub__(self, other: Value | Number) -> Value:  # self - other
        return self + (-other)

    def __rsub__(self, other: Number) -> Value:  # other - self
        return other + (-self)

    def __rmul__(self, other: Number) -> Value:  # other * self
        return self * other

    def __truediv__(self, other: Value | Number) -> Value:  # self / other
        other = other if isinstance(other, Value) else Value(other)
        return self * other**-1

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        return other * self**-1

    def _forward(self) -> None:
        """Recompute ``data`` from the operands' current ``data`` (after a leaf was edited)."""
        op, args = self._op, [child.data for child in self._prev]
        if op == "+":
            self.data = args[0] + args[1]
        elif op == "*":
            self.data = args[0] * args[1]
        elif op.startswith("**"):
            self.data = _ieee_pow(args[0], self._exponent)
        elif op == "ReLU":
            self.data = 0.0 if args[0] <= 0 else args[0]
        elif op == "tanh":
            self.data = _stable_tanh(args[0])
        elif op == "exp":
            self.data = _ieee_exp(args[0])
        elif op == "log":
            self.data = _ieee_log(args[0])
        elif op == "sigmoid":
            self.data = _stable_sigmoid(args[0])

    # ---------------------------------------------------------------- derivatives

    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(operand) for each operand, in operand order."""
        op = self._op
        if op == "+":
            return (1.0, 1.0)
        if op == "*":
            a, b = self._prev
            return (b.data, a.data)
        if op.startswith("**"):
            k = self._exponent
            if k == 0:  # x**0 is constant; 0 * x**-1 would make nan (or inf * 0) at x = 0
                return (0.0,)
            return (k * _ieee_pow(self._prev[0].data, k - 1),)
        if op == "ReLU":
            return (1.0 if self.data > 0 else 0.0,)
        if op == "tanh":
            return (1.0 - self.data**2,)
        if op == "exp":
            return (self.data,)
        if op == "log":
            x = self._prev[0].data
            return (1.0 / x if x != 0 else math.copysign(math.inf, x),)
        if op == "sigmoid":
            return (self.data * (1.0 - self.data),)
        return ()

    def _backward(self) -> None:
        """Add this node's gradient, times each local derivative, into its operands."""
        prev, grad = self._prev, self.grad
        # Leaves, + and * are most of any graph; inlining them (same arithmetic as local_grads)
        # makes backward about 1.5x faster than the generic loop below.
        if not prev:
            return
        if self._op == "+":
            prev[0].grad += grad
            prev[1].grad += grad
        elif self._op == "*":
            a, b = prev
            a.grad += b.data * grad
            b.grad += a.data * grad
        else:
            for child, local in zip(prev, self.local_grads()):
                child.grad += local * grad

    # ---------------------------------------------------------------- graph passes

    def topo(self) -> list[Value]:
        """Every node this one depends on, operands before results (iterative DFS)."""
        order: list[Value] = []
        visited: set[Value] = set()
        # Two parallel stacks rather than one of (node, expanded) pairs: on a deep graph a million
        # pairs would sit on the stack, and those long-lived tuples make the cyclic GC run full
        # collections over and over (4x slower on a 10^6 chain).
        stack: list[Value] = [self]
        expanded: list[bool] = [False]
        while stack:
            node = stack.pop()
            if expanded.pop():
                order.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append(node)
                expanded.append(True)
                # Reversed, so operands are visited left to right as micrograd's recursion does.
                for child in reversed(node._prev):
                    if child not in visited:
                        stack.append(child)
                        expanded.append(False)
        return order

    def forward(self) -> None:
        """Recompute ``data`` of this node and everything it depends on, from the leaves up."""
        for node in self.topo():
            node._forward()

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and every node it depends on."""
        for node in self.topo():
            node.grad = 0.0

    def backward(self, zero_grad: bool = False) -> None:
        """Backpropagate from this node (its grad is set to 1).

        Gradients accumulate across calls, as in micrograd and PyTorch; pass ``zero_grad=True``
        (or call ``zero_grad()`` first) to recompute them from scratch instead.
        """
        order = self.topo()
        if zero_grad:
            for node in order:
                node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()

    # ---------------------------------------------------------------- display

    @property
    def op(self) -> str:
        """The op as a readable word: leaf, add, mul, pow, relu, tanh, exp, log, sigmoid."""
        if self._op.startswith("**"):
            return "pow"
        return _READABLE_OPS.get(self._op, self._op)

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"
