"""The work a program may do: steps (statements run), Values alive, and time.

``Budget`` is the part of the interpreter that counts; every limit it enforces is in
``engine.settings`` and each error it raises names the statement or operation that ran over.

- A step is a statement run, or one item of a comprehension or of ``sum()``. A loop's iteration is
  not a step of its own: its body's statements are (a body has at least one), so a loop of 41
  ``p.grad = 0.0`` costs 41 steps, not 82, and the lecture's 1,000-step training loop fits.
- Time is the CPU time of the thread running the program (``time.thread_time``), not the wall
  clock: on a busy server a program waiting for the CPU is not charged for the wait, so the
  same program passes or fails the same way however loaded the machine is. The wall clock still
  bounds it (``max_eval_wall_seconds``) so a program starved of CPU does not hold its slot forever.

Its checks run on every statement and every Value made, so they are written for speed: the
limits are copied into plain attributes; the CPU clock (a system call, ~2 µs) is read only when
the cheap monotonic clock passes a gate, because CPU time cannot run ahead of the wall clock; and
the Values alive are a set of weak references whose callback is the set's own ``discard`` (C code:
no Python frame per Value made or freed).
"""

from __future__ import annotations

import ast
import time
import weakref

from engine.expr.errors import ExprError, Positions
from engine.settings import Settings
from engine.value import Value

clock = time.monotonic
cpu_clock = time.thread_time
_ref = weakref.ref


class Budget:
    def __init__(self, positions: Positions, settings: Settings, started: float | None = None):
        self.positions = positions
        self.settings = settings
        now = clock()
        self.cpu_limit = settings.max_eval_seconds
        self.cpu_started = cpu_clock()
        self.wall_deadline = (now if started is None else started) + settings.max_eval_wall_seconds
        # The gate: before it the program cannot have used cpu_limit seconds of CPU (CPU time never
        # runs ahead of the wall clock), so the inline checks compare it with the cheap clock only.
        self.deadline = min(now + self.cpu_limit, self.wall_deadline)
        self.max_steps = settings.max_eval_steps
        self.max_nodes = settings.max_nodes
        self.steps = 0
        # The program's Values still alive, as weak references: a Value the program dropped (the
        # last step's graph of a training loop) is freed by reference counting and its reference
        # discards itself, so len(self.alive) is exact at every moment.
        self.alive: set[weakref.ref[Value]] = set()
        self._forget = self.alive.discard
        self.batched = 0  # inner nodes of forward passes still alive (count_forward)
        self.batches: set[_Batch] = set()
        self.current: ast.stmt | None = None  # the statement running: where errors without a node point
        self.here: ast.AST | None = None  # the operation running in it, if known (a leaf's op)

    def where(self, node: ast.AST | None) -> tuple[int | None, int | None]:
        node = node if node is not None else self.here or self.current
        return self.positions.start(node) if node is not None else (None, None)

    def error(self, message: str, node: ast.AST | None) -> ExprError:
        return ExprError(message, *self.where(node))

    def step(self, node: ast.AST) -> None:
        """One step: count it and watch the clock (the interpreter's statement loop does the same
        inline: this check runs on every step)."""
        self.steps += 1
        if self.steps > self.max_steps or (clock() > self.deadline and self.out_of_time()):
            raise self.over_budget(node)

    def out_of_time(self) -> bool:
        """Past the gate: read the CPU clock; True when the program used its CPU time or its wall
        time, else move the gate to the earliest moment the CPU time could run out."""
        now = clock()
        left = self.cpu_limit - (cpu_clock() - self.cpu_started)
        if left <= 0 or now > self.wall_deadline:
            return True
        self.deadline = min(now + left, self.wall_deadline)
        return False

    def over_budget(self, node: ast.AST | None) -> ExprError:
        """The error for a step past max_eval_steps, max_eval_seconds or max_eval_wall_seconds."""
        if self.steps > self.max_steps:
            return self.error(
                f"the program runs too long: more than {self.max_steps} steps "
                "(statements run and comprehension items)",
                node,
            )
        if clock() > self.wall_deadline:
            return self.error(
                f"the program took longer than {self.settings.max_eval_wall_seconds:g} s "
                "(the server is busy: try again)",
                node,
            )
        return self.error(f"the program took longer than {self.cpu_limit:g} s", node)

    def count(self, value: Value, node: ast.AST | None) -> Value:
        """Count the Values ``value`` brought into being (those not seen before) against max_nodes.

        max_nodes bounds the Values alive at once: the graph of a training loop's last step is
        freed (reference counting: Values hold no cycles) when the next step replaces it.
        """
        alive, forget = self.alive, self._forget
        stack = [value]
        pop, push, add = stack.pop, stack.extend, alive.add
        while stack:
            v = pop()
            r = _ref(v, forget)
            if r in alive:  # equal to the reference taken when v was first seen (same referent)
                continue
            add(r)
            push(v._prev)
        # Checked once the walk is done: the Values it found exist already (an op or a forward pass
        # made them, and reserve() sized a forward pass before it ran); this refuses holding on.
        if len(alive) + self.batched > self.max_nodes:
            raise self.error(f"the program holds more than {self.max_nodes} Values at once", node)
        if clock() > self.deadline and self.out_of_time():
            raise self.over_budget(node)
        return value

    def count_one(self, value: Value, node: ast.AST | None) -> Value:
        """``count`` for a Value whose operands are all counted already (one op's result): no walk."""
        self.alive.add(_ref(value, self._forget))
        if len(self.alive) + self.batched > self.max_nodes:
            raise self.error(f"the program holds more than {self.max_nodes} Values at once", node)
        return value

    def count_all(self, values: list[Value], node: ast.AST | None) -> None:
        for v in values:
            self.count(v, node)

    def count_forward(self, outputs: list[Value], made: int, node: ast.AST | None) -> None:
        """Count the ``made`` Values of a forward pass (``engine.nn``'s ``nodes_made``, exact).

        The program can reach a pass's inner nodes only through its outputs (the language has no
        ``_prev``), so they are counted as one batch, freed when the last output is: one weak
        reference per output instead of one per node, and no walk. The outputs themselves are
        counted one by one, so later walks (``count``) stop at them. Conservative: while any output
        lives, the whole batch counts (an MLP's inner layers are shared by all its outputs anyway).
        """
        new_outputs = [v for v in dict.fromkeys(outputs) if v._prev]  # a leaf output is a parameter
        for v in new_outputs:
            self.alive.add(_ref(v, self._forget))
        if made > len(new_outputs):
            _Batch(self, made - len(new_outputs), new_outputs)
        if self.holding() > self.max_nodes:
            raise self.error(f"the program holds more than {self.max_nodes} Values at once", node)

    def holding(self) -> int:
        """The program's Values alive now (batches of inner nodes included)."""
        return len(self.alive) + self.batched

    def reserve(self, nodes: int, what: str, node: ast.AST) -> None:
        """Refuse before making ``nodes`` Values at once (a model, a forward pass) if they would not fit."""
        if self.holding() + nodes > self.max_nodes:
            raise self.error(
                f"{what} would make {nodes} nodes; the program may hold {self.max_nodes} "
                f"at once and holds {self.holding()}",
                node,
            )


class _Batch:
    """The inner nodes of one forward pass, counted until the last of its outputs is freed."""

    __slots__ = ("budget", "size", "refs")

    def __init__(self, budget: Budget, size: int, outputs: list[Value]):
        self.budget, self.size = budget, size
        self.refs = {_ref(v, self._freed) for v in outputs}
        budget.batched += size
        budget.batches.add(self)  # held by the budget, not only by the references' callbacks

    def _freed(self, ref: weakref.ref[Value]) -> None:
        self.refs.discard(ref)
        if not self.refs:
            self.budget.batched -= self.size
            self.budget.batches.discard(self)
