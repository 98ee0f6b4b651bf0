"""The work a program may do: steps (statements and loop iterations), Values alive, and time.

``Budget`` is the part of the interpreter that counts; every limit it enforces is in
``engine.settings`` and each error it raises names the statement or operation that ran over.
"""

from __future__ import annotations

import ast
import time
import weakref

from engine.expr.errors import ExprError, Positions
from engine.settings import Settings
from engine.value import Value


class Budget:
    def __init__(self, positions: Positions, settings: Settings, started: float | None = None):
        self.positions = positions
        self.settings = settings
        self.deadline = (time.monotonic() if started is None else started) + settings.max_eval_seconds
        self.steps = 0
        self.seen: weakref.WeakSet[Value] = weakref.WeakSet()  # the program's Values still alive
        self.current: ast.stmt | None = None  # the statement running: where errors without a node point
        self.here: ast.AST | None = None  # the operation running in it, if known (a leaf's op)

    def where(self, node: ast.AST | None) -> tuple[int | None, int | None]:
        node = node if node is not None else self.here or self.current
        return self.positions.start(node) if node is not None else (None, None)

    def error(self, message: str, node: ast.AST | None) -> ExprError:
        return ExprError(message, *self.where(node))

    def step(self, node: ast.AST) -> None:
        """One statement or loop iteration: count it and watch the clock."""
        self.steps += 1
        if self.steps > self.settings.max_eval_steps:
            raise self.error(
                f"the program runs too long: more than {self.settings.max_eval_steps} steps "
                "(statements run and loop iterations)",
                node,
            )
        if time.monotonic() > self.deadline:
            raise self.error(f"the program took longer than {self.settings.max_eval_seconds:g} s", node)

    def count(self, value: Value, node: ast.AST | None) -> Value:
        """Count the Values ``value`` brought into being (those not seen before) against max_nodes.

        max_nodes bounds the Values alive at once: the graph of a training loop's last step is
        freed (reference counting: Values hold no cycles) when the next step replaces it.
        """
        stack = [value]
        while stack:
            v = stack.pop()
            if v in self.seen:
                continue
            self.seen.add(v)
            if len(self.seen) > self.settings.max_nodes:
                raise self.error(
                    f"the program holds more than {self.settings.max_nodes} Values at once", node
                )
            stack.extend(v._prev)
        if time.monotonic() > self.deadline:
            raise self.error(f"the program took longer than {self.settings.max_eval_seconds:g} s", node)
        return value

    def count_all(self, values: list[Value], node: ast.AST | None) -> None:
        for v in values:
            self.count(v, node)

    def reserve(self, nodes: int, what: str, node: ast.AST) -> None:
        """Refuse before making ``nodes`` Values at once (a model, a forward pass) if they would not fit."""
        if len(self.seen) + nodes > self.settings.max_nodes:
            raise self.error(
                f"{what} would make {nodes} nodes; the program may hold {self.settings.max_nodes} "
                f"at once and holds {len(self.seen)}",
                node,
            )
