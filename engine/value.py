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

from engine.ops import LEAF_NAME, UNKNOWN_NAME, ieee_exp, ieee_log, ieee_pow, lookup, stable_sigmoid

Number = int | float


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
        out = Value(ieee_pow(self.data, other), (self,), f"**{other}")
        out._exponent = float(other)
        return out

    def relu(self) -> Value:
        # `<= 0`, not `> 0`: nan passes through (as in micrograd and torch) instead of becoming 0.
        return Value(0.0 if self.data <= 0 else self.data, (self,), "ReLU")

    def tanh(self) -> Value:
        return Value(math.tanh(self.data), (self,), "tanh")  # saturates to ±1, never overflows

    def exp(self) -> Value:
        return Value(ieee_exp(self.data), (self,), "exp")

    def log(self) -> Value:
        return Value(ieee_log(self.data), (self,), "log")

    def sigmoid(self) -> Value:
        return Value(stable_sigmoid(self.data), (self,), "sigmoid")

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
        # As micrograd: ``other**-1`` on a plain number is a plain number, so ``f / 2.0`` is one
        # leaf 0.5 and a ``*`` (micrograd's node count); IEEE: ``x / 0`` multiplies by inf.
        if not isinstance(other, Value):
            return self * ieee_pow(float(other), -1)
        return self * other**-1

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        return other * self**-1

    def _forward(self) -> None:
        """Recompute ``data`` from the operands' current ``data`` (after a leaf was edited)."""
        op, _ = lookup(self._op)
        if op is not None:
            self.data = op.apply([child.data for child in self._prev], self._exponent)

    # ---------------------------------------------------------------- derivatives

    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(operand) for each operand, in operand order (``engine.ops`` has the rules)."""
        op, _ = lookup(self._op)
        if op is None:
            return ()
        return op.local_grads([child.data for child in self._prev], self.data, self._exponent)

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
        if not self._op:
            return LEAF_NAME
        op, _ = lookup(self._op)
        return UNKNOWN_NAME if op is None else op.name

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"
