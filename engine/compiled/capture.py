"""Turn the ``Value`` graph of one sample into a ``Program``: recover layers, schedule the rest.

Three passes over the graph (the tape, operands before results):

1. Leaves are sorted into blocks: input and target placeholders, parameters, a scalar
   placeholder (the regularization strength) and constants (any other leaf, value baked in).
2. Structure is recovered. A left-leaning chain of ``+`` (what ``sum()`` builds) whose inner
   nodes nobody else reads is one sum of its terms. When the first term is a parameter and every
   other term is a ``parameter * x`` product read only by the chain, the sum is a neuron's
   ``b + w·x``; neurons that read the same inputs in the same order form one matrix multiply.
3. The remaining nodes and the fused sums are scheduled by level (1 + the deepest operand), and
   nodes of one level with the same op become one vectorized instruction (a layer's 16 ReLUs
   become one ``np.where`` over its block).

Anything else (an op this module does not know, a leaf listed twice) is a ``CaptureError``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence

import numpy as np

from engine.compiled.program import (
    CONSTS,
    INPUTS,
    PARAMS,
    SCALARS,
    TARGETS,
    Block,
    Dense,
    Instruction,
    Mul,
    Program,
    Ref,
    Segment,
    Sum,
    Unary,
)
from engine.ops import lookup
from engine.value import Value


class CaptureError(Exception):
    """The graph cannot be captured, or its capture does not reproduce it; use eager instead."""


def tape_of(roots: Sequence[Value]) -> list[Value]:
    """Every node the roots depend on, each once, operands before results."""
    # One sort from a stand-in node over all roots: sorting from each root alone would walk the
    # layers they share once per output.
    return Value(0.0, tuple(roots)).topo()[:-1]


def _op_kind(node: Value) -> str:
    """The op's name in the program, after checking its arity; CaptureError for unknown ops."""
    op, _ = lookup(node._op)
    if op is None or op.arity != len(node._prev):
        raise CaptureError(f"cannot capture the op {node._op!r} with {len(node._prev)} operand(s)")
    return op.name


class _Capture:
    """The state of one capture: slots of captured nodes, blocks and instructions so far."""

    def __init__(self, params: Sequence[Value], leaf_blocks: dict[int, Sequence[Value]]):
        self.slots: dict[int, tuple[int, int]] = {}
        for block, leaves in leaf_blocks.items():
            for col, leaf in enumerate(leaves):
                if id(leaf) in self.slots:
                    raise CaptureError("a Value appears twice among the parameters and placeholders")
                if leaf._prev:
                    raise CaptureError("a parameter or placeholder is not a leaf")
                self.slots[id(leaf)] = (block, col)
        self.param_index = {id(p): i for i, p in enumerate(params)}
        self.consts: list[float] = []
        self.blocks: list[Block] = []
        self.instructions: list[Instruction] = []

    def const_slot(self, leaf: Value) -> None:
        if id(leaf) not in self.slots:
            self.slots[id(leaf)] = (CONSTS, len(self.consts))
            self.consts.append(leaf.data)

    def is_param(self, node: Value) -> bool:
        return id(node) in self.param_index

    def ref(self, nodes: Sequence[Value]) -> Ref:
        """Where ``nodes`` live, as runs of columns per block (whole blocks and slices need no copy)."""
        slots = []
        for node in nodes:
            if id(node) not in self.slots:  # a fused node read from outside: the matcher has a bug
                raise CaptureError("an operand was fused away but is read elsewhere")
            slots.append(self.slots[id(node)])
        segments = []
        for block, run in itertools.groupby(slots, key=lambda slot: slot[0]):
            cols = [col for _, col in run]
            width, first = len(cols), cols[0]
            if cols == list(range(self.blocks[block].width)):
                index = None
            elif cols == list(range(first, first + width)):
                index = slice(first, first + width)
            else:
                index = np.array(cols, dtype=np.intp)
            segments.append(Segment(block, index, width, len(set(cols)) == width))
        batched = any(self.blocks[seg.block].batched for seg in segments)
        return Ref(tuple(segments), len(slots), batched)

    def needs_grad(self, *refs: Ref) -> bool:
        return any(self.blocks[seg.block].needs_grad for ref in refs for seg in ref.segments)

    def emit(self, nodes: Sequence[Value], instruction: Instruction, batched: bool, needs_grad: bool) -> None:
        for col, node in enumerate(nodes):
            self.slots[id(node)] = (instruction.out, col)
        self.blocks.append(Block(len(nodes), batched, needs_grad))
        self.instructions.append(instruction)


def capture(
    *,
    params: Sequence[Value],
    inputs: Sequence[Value],
    scores: Sequence[Value],
    targets: Sequence[Value] = (),
    scalars: Sequence[Value] = (),
    loss: Value | None = None,
    reg: Value | None = None,
) -> Program:
    """Compile the graph from the placeholders and ``params`` to ``scores`` (and ``loss``, ``reg``).

    ``inputs``, ``targets`` and ``scalars`` are placeholder leaves that each run fills in (inputs
    and targets per sample); ``params`` are the leaves whose gradients the program returns.
    """
    roots = [*scores, *(r for r in (loss, reg) if r is not None)]
    tape = tape_of(roots)
    cap = _Capture(params, {INPUTS: inputs, TARGETS: targets, PARAMS: params, SCALARS: scalars})
    leaf_blocks = {
        INPUTS: Block(len(inputs), batched=True, needs_grad=False),
        TARGETS: Block(len(targets), batched=True, needs_grad=False),
        PARAMS: Block(len(params), batched=False, needs_grad=True),
        CONSTS: Block(0, batched=False, needs_grad=False),  # width set once the constants are known
        SCALARS: Block(len(scalars), batched=False, needs_grad=False),
    }
    cap.blocks = [leaf_blocks[i] for i in range(len(leaf_blocks))]

    uses: Counter[int] = Counter()
    consumer: dict[int, Value] = {}
    for node in tape:
        if node._prev:
            _op_kind(node)
        else:
            cap.const_slot(node)
        for child in node._prev:
            uses[id(child)] += 1
            consumer[id(child)] = node
    cap.blocks[CONSTS] = Block(len(cap.consts), batched=False, needs_grad=False)
    root_ids = {id(r) for r in roots}

    def private(node: Value) -> bool:
        """Read by exactly one node and not an output, so it may be fused into its reader."""
        return uses[id(node)] == 1 and id(node) not in root_ids

    def inner_sum(node: Value) -> bool:
        """A ``+`` that only feeds the left operand of another ``+``: part of that one's chain."""
        if node._op != "+" or not private(node):
            return False
        reader = consumer[id(node)]
        return reader._op == "+" and reader._prev[0] is node

    # Pass 2: recover sums and neurons.
    fused: set[int] = set()
    sums: dict[int, list[Value]] = {}
    dense: dict[int, tuple[int, list[int], list[Value]]] = {}
    for node in tape:
        if node._op != "+" or inner_sum(node):
            if node._op == "+":
                fused.add(id(node))
            continue
        rights, left = [], node
        while left is node or inner_sum(left):
            rights.append(left._prev[1])
            left = left._prev[0]
        terms = [left, *reversed(rights)]
        sums[id(node)] = terms
        neuron = _match_neuron(terms, cap, private)
        if neuron is not None:
            dense[id(node)] = neuron
            fused.update(id(t) for t in terms[1:])

    # Pass 3: level-schedule what is left, grouping same-op nodes of a level.
    # Per-sample nodes and shared ones (the penalty) never share a group: a shared block has one row.
    level: dict[int, int] = {}
    batched = {id(leaf): True for leaf in (*inputs, *targets)}
    groups: dict[tuple, list[Value]] = {}
    for node in tape:
        if not node._prev or id(node) in fused:
            level[id(node)] = 0
            continue
        if id(node) in dense:
            operands, key = dense[id(node)][2], ("dense", *(id(x) for x in dense[id(node)][2]))
        elif id(node) in sums:
            operands, key = sums[id(node)], ("sum", len(sums[id(node)]))
        else:
            operands, key = node._prev, (_op_kind(node), node._exponent)
        level[id(node)] = 1 + max((level[id(x)] for x in operands), default=0)
        batched[id(node)] = any(batched.get(id(x), False) for x in operands)
        groups.setdefault((level[id(node)], batched[id(node)], *key), []).append(node)

    for key in sorted(groups, key=lambda k: k[0]):  # stable: within a level, first seen first
        nodes = groups[key]
        kind, detail = key[2], key[3:]
        out = len(cap.blocks)
        if kind == "dense":
            bias = np.array([dense[id(n)][0] for n in nodes], dtype=np.intp)
            weights = np.array([dense[id(n)][1] for n in nodes], dtype=np.intp).reshape(len(nodes), -1)
            xs = cap.ref(dense[id(nodes[0])][2])
            unique = (
                len(set(weights.ravel().tolist())) == weights.size and len(set(bias.tolist())) == bias.size
            )
            layout = np.column_stack([weights, bias]).ravel()
            first = int(layout[0])
            packed = first if np.array_equal(layout, np.arange(first, first + layout.size)) else None
            instruction = Dense(out, xs, weights, bias, packed, unique, cap.needs_grad(xs))
            cap.emit(nodes, instruction, xs.batched, True)
        elif kind == "sum":
            nodes = sorted(nodes, key=lambda n: cap.slots[id(sums[id(n)][0])])
            terms = cap.ref([sums[id(n)][j] for j in range(detail[0]) for n in nodes])
            cap.emit(nodes, Sum(out, terms, len(nodes), detail[0]), terms.batched, cap.needs_grad(terms))
        elif kind == "mul":
            nodes = sorted(nodes, key=lambda n: cap.slots[id(n._prev[0])])
            left, right = cap.ref([n._prev[0] for n in nodes]), cap.ref([n._prev[1] for n in nodes])
            per_sample = left.batched or right.batched
            cap.emit(nodes, Mul(out, left, right), per_sample, cap.needs_grad(left, right))
        else:
            nodes = sorted(nodes, key=lambda n: cap.slots[id(n._prev[0])])
            arg = cap.ref([n._prev[0] for n in nodes])
            cap.emit(nodes, Unary(kind, out, arg, detail[0]), arg.batched, cap.needs_grad(arg))

    return Program(
        blocks=cap.blocks,
        instructions=cap.instructions,
        consts=np.array([cap.consts], dtype=np.float64).reshape(1, len(cap.consts)),
        scores=cap.ref(scores),
        loss=cap.ref([loss]) if loss is not None else None,
        reg=cap.ref([reg]) if reg is not None else None,
        n_inputs=len(inputs),
        n_targets=len(targets),
        n_params=len(params),
    )


def _match_neuron(terms: list[Value], cap: _Capture, private) -> tuple[int, list[int], list[Value]] | None:
    """(bias index, weight indices, inputs) when ``terms`` are ``b, w0*x0, w1*x1, ...``, else None."""
    bias = terms[0]
    if not cap.is_param(bias):
        return None
    weights, xs = [], []
    for term in terms[1:]:
        if term._op != "*" or not private(term):
            return None
        a, b = term._prev
        if cap.is_param(a) and not cap.is_param(b):
            w, x = a, b
        elif cap.is_param(b) and not cap.is_param(a):
            w, x = b, a
        else:
            return None
        weights.append(cap.param_index[id(w)])
        xs.append(x)
    return cap.param_index[id(bias)], weights, xs
