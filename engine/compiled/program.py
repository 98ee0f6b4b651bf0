"""A captured one-sample graph as a numpy program that runs a whole batch at once.

Every scalar node of the captured graph lives in one column of a *block*: a 2-D float64 array
with the batch on axis 0 (B rows) or, for values that do not depend on the data (parameters,
constants, the regularization term), a single row that numpy broadcasts over the batch.
An instruction reads columns of earlier blocks through a ``Ref`` and writes one new block.
The backward pass walks the instructions in reverse and adds gradients into blocks the way
``Value._backward`` adds them into ``grad`` (same local derivatives, same float64 ops); the
gradient of a one-row block is summed over the batch, which is what accumulating ``p.grad``
over every sample's graph does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Index = slice | np.ndarray | None  # None: the whole block, columns in order

# The blocks every program starts with; instruction outputs follow.
INPUTS, TARGETS, PARAMS, CONSTS, SCALARS = range(5)


@dataclass(frozen=True)
class Segment:
    """Columns ``index`` of block ``block``; ``unique`` is False when a column repeats."""

    block: int
    index: Index
    width: int
    unique: bool


@dataclass(frozen=True)
class Ref:
    """The columns an instruction reads, in order, possibly from several blocks."""

    segments: tuple[Segment, ...]
    width: int
    batched: bool  # some column has a row per sample


@dataclass(frozen=True)
class Block:
    width: int
    batched: bool  # one row per sample (else one row shared by all samples)
    needs_grad: bool  # a parameter is upstream of it


def _columns(array: np.ndarray, index: Index) -> np.ndarray:
    return array if index is None else array[:, index]


def fetch(ref: Ref, vals: list, rows: int) -> np.ndarray:
    """The columns of ``ref`` as one array (a view when they are one block or a slice of one)."""
    if len(ref.segments) == 1:
        seg = ref.segments[0]
        return _columns(vals[seg.block], seg.index)
    parts = []
    for seg in ref.segments:
        part = _columns(vals[seg.block], seg.index)
        if ref.batched and part.shape[0] != rows:
            part = np.broadcast_to(part, (rows, part.shape[1]))
        parts.append(part)
    return np.concatenate(parts, axis=1)


class Grads:
    """The gradient blocks of one backward pass, created when a gradient first reaches them."""

    def __init__(self, blocks: list[Block], vals: list):
        self.blocks = blocks
        self.vals = vals
        self.arrays: list[np.ndarray | None] = [None] * len(blocks)
        # A gradient kept as it arrived may be a view of another one: never add into it in place.
        self.borrowed = [False] * len(blocks)

    def add(self, ref: Ref, g: np.ndarray) -> None:
        """Add ``g`` (one column per column of ``ref``) into the gradients of what ``ref`` reads."""
        if len(ref.segments) == 1:
            self._add(ref.segments[0], g)
            return
        start = 0
        for seg in ref.segments:
            self._add(seg, g[:, start : start + seg.width])
            start += seg.width

    def _add(self, seg: Segment, g: np.ndarray) -> None:
        block = seg.block
        info = self.blocks[block]
        if not info.needs_grad:
            return
        if not info.batched and g.shape[0] != 1:
            g = g.sum(axis=0, keepdims=True)  # a shared value collects every sample's gradient
        current = self.arrays[block]
        if seg.index is None:
            if current is None:
                self.arrays[block], self.borrowed[block] = g, True
            else:
                self.arrays[block], self.borrowed[block] = current + g, False
            return
        if current is None:
            current = np.zeros((self.vals[block].shape[0], info.width))
        elif self.borrowed[block]:
            current = current.copy()
        self.arrays[block], self.borrowed[block] = current, False
        if seg.unique:
            current[:, seg.index] += g
        else:  # a column read twice by one instruction gets both contributions
            np.add.at(current, (slice(None), seg.index), g)


# ---------------------------------------------------------------- instructions


def _sigmoid(a: np.ndarray) -> np.ndarray:
    # Value's two branches: exp(-|a|) is exp(-a) for a >= 0 and exp(a) below, so neither overflows.
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


# Forward rules of the one-operand ops, as Value computes them (`<= 0` lets nan through relu).
UNARY = {
    "relu": lambda a, k: np.where(a <= 0, 0.0, a),
    "tanh": lambda a, k: np.tanh(a),
    "exp": lambda a, k: np.exp(a),
    "log": lambda a, k: np.log(a),
    "sigmoid": lambda a, k: _sigmoid(a),
    "pow": lambda a, k: np.power(a, k),
}


def _local_grad(op: str, a: np.ndarray, out: np.ndarray, k: float) -> np.ndarray:
    """d out / d a, as ``Value.local_grads`` (a relu mask stays boolean; bool * g is 1.0 * g)."""
    if op == "relu":
        return out > 0
    if op == "tanh":
        return 1.0 - out**2
    if op == "exp":
        return out
    if op == "log":
        return 1.0 / a  # 1/±0 is ±inf, Value's copysign(inf, x)
    if op == "sigmoid":
        return out * (1.0 - out)
    if k == 0:  # x**0 is constant (0 * x**-1 would be nan at 0)
        return np.zeros_like(a)
    return k * np.power(a, k - 1)


@dataclass(frozen=True)
class Unary:
    """``op`` applied elementwise to the columns of ``arg``."""

    op: str
    out: int
    arg: Ref
    exponent: float = 0.0

    def forward(self, vals: list, theta: np.ndarray, rows: int) -> tuple:
        a = fetch(self.arg, vals, rows)
        out = vals[self.out] = UNARY[self.op](a, self.exponent)
        return a, out

    def backward(self, grads: Grads, saved: tuple, theta_grad: np.ndarray) -> None:
        g = grads.arrays[self.out]
        if g is not None:
            a, out = saved
            grads.add(self.arg, _local_grad(self.op, a, out, self.exponent) * g)


@dataclass(frozen=True)
class Mul:
    """Columns of ``left`` times columns of ``right``."""

    out: int
    left: Ref
    right: Ref

    def forward(self, vals: list, theta: np.ndarray, rows: int) -> tuple:
        a, b = fetch(self.left, vals, rows), fetch(self.right, vals, rows)
        vals[self.out] = a * b
        return a, b

    def backward(self, grads: Grads, saved: tuple, theta_grad: np.ndarray) -> None:
        g = grads.arrays[self.out]
        if g is not None:
            a, b = saved
            grads.add(self.left, b * g)
            grads.add(self.right, a * g)


@dataclass(frozen=True)
class Sum:
    """``n`` sums of ``k`` terms each; ``terms`` holds every node's first term, then every second, ...

    Term-major, so that the terms of one position, which usually come from one block in order
    (the penalty's ``relu(p) + relu(-p)`` for every p), are one slice rather than n pieces.
    """

    out: int
    terms: Ref
    n: int
    k: int

    def forward(self, vals: list, theta: np.ndarray, rows: int) -> tuple:
        t = fetch(self.terms, vals, rows)
        vals[self.out] = t.reshape(t.shape[0], self.k, self.n).sum(axis=1)
        return ()

    def backward(self, grads: Grads, saved: tuple, theta_grad: np.ndarray) -> None:
        g = grads.arrays[self.out]
        if g is not None:
            grads.add(self.terms, np.tile(g, self.k))  # each term gets its sum's gradient


@dataclass(frozen=True)
class Dense:
    """Neurons' ``b + w0*x0 + w1*x1 + ...`` over shared inputs: ``X @ W.T + b``.

    ``weights[j, i]`` and ``bias[j]`` index the parameter vector. ``packed`` is the first index when
    they are neuron-major and contiguous (``w..., b`` per neuron, as ``MLP.parameters()`` lists
    them): W and b are then views of the vector instead of gathered copies. ``unique`` is False when
    a parameter appears twice (its gradients are then added with ``np.add.at``).
    """

    out: int
    inputs: Ref
    weights: np.ndarray
    bias: np.ndarray
    packed: int | None
    unique: bool
    inputs_need_grad: bool

    def _split(self, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, k = self.weights.shape
        block = vector[self.packed : self.packed + n * (k + 1)].reshape(n, k + 1)
        return block[:, :k], block[:, k]

    def forward(self, vals: list, theta: np.ndarray, rows: int) -> tuple:
        x = fetch(self.inputs, vals, rows)
        w, b = self._split(theta) if self.packed is not None else (theta[self.weights], theta[self.bias])
        vals[self.out] = x @ w.T + b
        return x, w

    def backward(self, grads: Grads, saved: tuple, theta_grad: np.ndarray) -> None:
        g = grads.arrays[self.out]
        if g is None:
            return
        x, w = saved
        if self.packed is not None:
            w_grad, b_grad = self._split(theta_grad)  # views: adding into them adds into theta_grad
            w_grad += g.T @ x
            b_grad += g.sum(axis=0)
        elif self.unique:
            theta_grad[self.weights] += g.T @ x
            theta_grad[self.bias] += g.sum(axis=0)
        else:
            np.add.at(theta_grad, self.weights, g.T @ x)
            np.add.at(theta_grad, self.bias, g.sum(axis=0))
        if self.inputs_need_grad:
            grads.add(self.inputs, g @ w)


Instruction = Unary | Mul | Sum | Dense


# ---------------------------------------------------------------- the program


@dataclass(frozen=True)
class Program:
    """Instructions in an order where every block is written before it is read."""

    blocks: list[Block]
    instructions: list[Instruction]
    consts: np.ndarray  # shape (1, number of constants)
    scores: Ref
    loss: Ref | None  # the one-sample loss, when captured for training
    reg: Ref | None  # the regularization term (one row)
    n_inputs: int
    n_targets: int
    n_params: int

    def _start(self, theta: np.ndarray, X: np.ndarray, T: np.ndarray | None, strength: float) -> list:
        vals: list = [None] * len(self.blocks)
        vals[INPUTS] = X
        vals[TARGETS] = T if T is not None else np.zeros((X.shape[0], self.n_targets))
        vals[PARAMS] = theta[None, :]
        vals[CONSTS] = self.consts
        vals[SCALARS] = np.array([[strength]])
        return vals

    def _scores(self, vals: list, rows: int) -> np.ndarray:
        scores = fetch(self.scores, vals, rows)
        return np.broadcast_to(scores, (rows, scores.shape[1])) if scores.shape[0] != rows else scores

    @property
    def widest_layer(self) -> int:
        """The most multiply-adds per sample of one Dense instruction (sizes predict's chunks)."""
        return max((d.weights.size for d in self.instructions if isinstance(d, Dense)), default=1)

    def predict(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """The outputs for each row of ``X`` (rows, n_outputs)."""
        rows = X.shape[0]
        vals = self._start(theta, X, None, 0.0)
        for instruction in self.instructions:
            instruction.forward(vals, theta, rows)
        return self._scores(vals, rows)

    def step(
        self, theta: np.ndarray, X: np.ndarray, T: np.ndarray, strength: float
    ) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
        """(per-sample losses, regularization, scores, gradient of mean loss + regularization)."""
        if self.loss is None or self.reg is None:
            raise ValueError("this program was captured for predictions only")
        rows = X.shape[0]
        vals = self._start(theta, X, T, strength)
        saved = [instruction.forward(vals, theta, rows) for instruction in self.instructions]
        losses = fetch(self.loss, vals, rows)[:, 0]
        reg = float(fetch(self.reg, vals, rows)[0, 0])

        # Seeds as in batch_loss: total = mean(losses) + reg, so each loss gets 1/B and reg gets 1.
        grads = Grads(self.blocks, vals)
        grads.add(self.loss, np.full((rows, 1), 1.0 / rows))
        grads.add(self.reg, np.ones((1, 1)))
        theta_grad = np.zeros(self.n_params)
        for instruction, state in zip(reversed(self.instructions), reversed(saved)):
            instruction.backward(grads, state, theta_grad)
        if grads.arrays[PARAMS] is not None:
            theta_grad += grads.arrays[PARAMS][0]
        losses = np.broadcast_to(losses, (rows,)) if losses.shape[0] != rows else losses
        return losses, reg, self._scores(vals, rows), theta_grad
