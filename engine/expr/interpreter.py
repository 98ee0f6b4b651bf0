"""Run a checked AST by walking it: nothing is compiled, and only the language's own values exist.

Values at run time are plain Python objects: ``Value``s, ints and floats (plain numbers), strings,
lists and tuples, ranges/zip/enumerate, engine.nn models, and the ``library`` kinds (functions,
methods, micrograd's modules). Every limit is counted while running (``Budget``, its base class):
steps (statements run, comprehension items), Values alive and CPU time.
"""

from __future__ import annotations

import ast
import operator
import random
import weakref
from itertools import count as counter
from typing import Any

from engine.expr import library
from engine.expr.budget import Budget, clock
from engine.expr.check import OPERATOR_SYMBOLS
from engine.expr.errors import ExprError, Positions, Span
from engine.expr.numbers import fold, is_number
from engine.expr.text import call_name, describe, format_field, render, subject
from engine.nn import MLP, Layer, Neuron
from engine.ops import ieee_pow
from engine.settings import Settings
from engine.value import Value

# MLP(...) without a seed= still builds the same model on every run of the same program.
PROGRAM_SEED = 1337


class Interpreter(Budget):
    def __init__(self, positions: Positions, settings: Settings, started: float | None = None):
        super().__init__(positions, settings, started)
        self.rng = random.Random(PROGRAM_SEED)
        self.env: dict[str, Any] = {}  # the program's variables (comprehensions have their own scopes)
        self.scopes: list[dict[str, Any]] = []
        self.literal_spans: dict[str, Span] = {}  # variables bound directly to a number literal
        self.loop_names: set[str] = set()  # variables last bound by a for loop, not an assignment
        self.assigned: dict[str, int] = {}  # variable -> when it was last assigned
        self._clock = counter()
        # Weak: a Value the program dropped (last iteration's graph) is freed and no longer counts.
        self.leaf_spans: weakref.WeakKeyDictionary[Value, Span] = weakref.WeakKeyDictionary()
        self.prints: list[tuple[int, str]] = []
        self._print_chars = 0
        self.backward_value: Value | None = None
        self.backward_name: str | None = None
        self.final_value: Any = None  # a bare expression as the last statement, as in a notebook cell
        self.final_node: ast.expr | None = None
        self.data_written = False
        # MLP/Layer/Neuron are the lecture's (tanh everywhere) until micrograd.nn is imported.
        self.lecture_nn = True

    # ---------------------------------------------------------------- leaves

    def literal_span(self, node: ast.AST | None) -> Span | None:
        """The span of the number literal behind ``node``: ``4.0``, ``-4.0``, or a variable bound to one."""
        if _is_literal(node):
            return self.positions.span(node)
        if isinstance(node, ast.Name) and not any(node.id in scope for scope in self.scopes):
            return self.literal_spans.get(node.id)
        return None

    def new_leaf(self, data: float, label: str, span: Span | None) -> Value:
        leaf = Value(data, label=label)
        if span is not None:
            self.leaf_spans[leaf] = span
        return self.count(leaf, None)

    def leaf(self, number: Any, origin: ast.AST | None, negated: bool = False) -> Value:
        """A plain number turned into a leaf Value, labelled by its variable, placed at its literal."""
        label = origin.id if isinstance(origin, ast.Name) else ""
        if negated and label:
            label = "-" + label
        return self.new_leaf(float(number), label, self.literal_span(origin))

    # ---------------------------------------------------------------- statements

    def run(self, tree: ast.Module) -> None:
        for i, statement in enumerate(tree.body):
            value = self.execute(statement)
            last = i == len(tree.body) - 1 and isinstance(statement, ast.Expr)
            if last and (is_number(value) or isinstance(value, Value)):
                self.final_value, self.final_node = value, statement.value

    def execute(self, node: ast.stmt) -> Any:
        self.current, self.here = node, None
        self.steps += 1  # Budget.step, inline: every statement run passes here
        if self.steps > self.max_steps or (clock() > self.deadline and self.out_of_time()):
            raise self.over_budget(node)
        return _EXECUTE[type(node)](self, node)

    def _execute_Expr(self, node: ast.Expr) -> Any:
        return self._not_uncalled(self.evaluate(node.value), node.value)

    def _execute_Assign(self, node: ast.Assign) -> None:
        value = _EVALUATE[type(node.value)](self, node.value)
        if isinstance(value, _UNCALLED):
            self._not_uncalled(value, node.value)
        for target in node.targets:
            self.assign(target, value, node.value, "assign")

    def _execute_For(self, node: ast.For) -> None:
        # An iteration is not a step of its own: the statements of its body are (Budget).
        execute, assign, target, body = self.execute, self.assign, node.target, node.body
        name = target.id if type(target) is ast.Name else None
        for item in self._iterable(node.iter, "a loop"):
            if name is not None and name in self.loop_names:  # assign's "loop" case, inline
                self.env[name] = item
            else:
                assign(target, item, None, "loop")
            for statement in body:
                execute(statement)
            self.current = node

    def _not_uncalled(self, value: Any, node: ast.expr) -> Any:
        """Refuse a method or function that was named but not called (``b = a.relu``): in Python it
        does nothing a student meant, and here it would silently draw nothing."""
        if isinstance(value, _UNCALLED):
            written = ast.unparse(node)[:60]
            where = self.positions.attribute(node) if isinstance(node, ast.Attribute) else self.where(node)
            raise ExprError(f"{written} is a {value.kind[2:]} but is not called: write {written}()", *where)
        return value

    def _execute_AugAssign(self, node: ast.AugAssign) -> None:
        target = node.target
        if isinstance(target, ast.Name):
            current = self.lookup(target.id, target)
            value = self.evaluate(node.value)
            self.assign(target, self.binop(node.op, current, value, target, node.value, node), None, "assign")
        else:  # an attribute: p.data += -0.1 * p.grad
            obj = _EVALUATE[type(target.value)](self, target.value)
            fast = type(obj) is Value and target.attr in library.VALUE_ATTRIBUTES  # p.data, p.grad
            current = getattr(obj, target.attr) if fast else self._get_attribute(obj, target)
            value = self.evaluate(node.value)
            result = self.binop(node.op, current, value, None, node.value, node)
            self._set_attribute(obj, target, result)

    def assign(self, target: ast.expr, value: Any, value_node: ast.expr | None, how: str) -> None:
        """Bind ``target``; "assign" (not "loop" or "comprehension") labels an unlabelled Value."""
        kind = type(target)
        if kind is ast.Name:
            name = target.id
            if how == "comprehension":
                self.scopes[-1][name] = value
                return
            self.env[name] = value
            if how == "assign":
                self.loop_names.discard(name)
                self.assigned[name] = next(self._clock)
                if isinstance(value, Value) and not value.label:
                    value.label = name
                if _is_literal(value_node):
                    self.literal_spans[name] = self.positions.span(value_node)
                    return
            else:
                self.loop_names.add(name)
            self.literal_spans.pop(name, None)
        elif kind is ast.Attribute:
            self._set_attribute(_EVALUATE[type(target.value)](self, target.value), target, value)
        else:  # a tuple or list of targets; check.py refuses the rest
            if not isinstance(value, list | tuple):
                raise self.error(f"cannot unpack {describe(value)} into names", target)
            if len(value) != len(target.elts):
                raise self.error(f"cannot unpack {len(value)} values into {len(target.elts)} names", target)
            nodes: list[Any] = [None] * len(value)
            if isinstance(value_node, ast.Tuple | ast.List) and len(value_node.elts) == len(value):
                nodes = value_node.elts
            for element, item, item_node in zip(target.elts, value, nodes):
                self.assign(element, item, item_node, how)

    def _execute_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        """micrograd's modules bind their names; any other import is ignored (nothing can use it)."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in library.MODULES:
                    top = alias.name.split(".")[0]  # import micrograd.nn binds micrograd
                    self.env[alias.asname or top] = library.MODULES[alias.name if alias.asname else top]
                    self.lecture_nn &= alias.name not in library.PACKAGE_NN
            return
        module = library.MODULES.get(node.module or "") if node.level == 0 else None
        if module is None:
            return
        if node.module == "micrograd.nn" or (
            node.module == "micrograd" and any(a.name == "nn" for a in node.names)
        ):
            self.lecture_nn = False
        for alias in node.names:
            if alias.name == "*":
                self.env.update(module.members)
            elif alias.name in module.members:
                self.env[alias.asname or alias.name] = module.members[alias.name]
            else:
                raise self.error(
                    f"cannot import '{alias.name}' from {module.name}; it has {', '.join(module.members)}",
                    node,
                )

    # ---------------------------------------------------------------- expressions

    def evaluate(self, node: ast.expr) -> Any:
        return _EVALUATE[type(node)](self, node)

    def _evaluate_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def _evaluate_Name(self, node: ast.Name) -> Any:
        if not self.scopes:  # lookup's common case, inline
            value = self.env.get(node.id, _UNBOUND)
            if value is not _UNBOUND:
                return value
        return self.lookup(node.id, node)

    def lookup(self, name: str, node: ast.AST) -> Any:
        if self.scopes:
            for scope in reversed(self.scopes):
                if name in scope:
                    return scope[name]
        value = self.env.get(name, _UNBOUND)
        if value is not _UNBOUND:
            return value
        if name in library.BUILTINS:
            return library.BUILTINS[name]
        raise self.error(f"name '{name}' is not defined", node)

    def _evaluate_Attribute(self, node: ast.Attribute) -> Any:
        obj = _EVALUATE[type(node.value)](self, node.value)
        if type(obj) is Value and node.attr in library.VALUE_ATTRIBUTES:  # get_attribute's first case
            return getattr(obj, node.attr)
        return self._get_attribute(obj, node)

    def _get_attribute(self, obj: Any, node: ast.Attribute) -> Any:
        try:
            return library.get_attribute(self, obj, node)
        except ExprError as exc:
            raise exc.at(*self.positions.attribute(node)) from None

    def _set_attribute(self, obj: Any, node: ast.Attribute, value: Any) -> None:
        if type(obj) is Value and type(value) is float and (node.attr == "grad" or node.attr == "data"):
            setattr(obj, node.attr, value)  # set_attribute's common case (p.grad = 0.0), inline
            self.data_written |= node.attr == "data"
            return
        try:
            library.set_attribute(self, obj, node, value)
        except ExprError as exc:
            raise exc.at(*self.positions.attribute(node)) from None

    def _evaluate_Call(self, node: ast.Call) -> Any:
        func = node.func
        if isinstance(func, ast.Name) and not self._defined(func.id):
            raise self.error(
                f"function '{func.id}' is not available; allowed functions: {library.ALLOWED_FUNCTIONS}", func
            )
        callee = self.evaluate(func)
        call = library.Call(
            node=node,
            name=call_name(func),
            args=[self.evaluate(a) for a in node.args],
            arg_nodes=list(node.args),
            kwargs={k.arg: self.evaluate(k.value) for k in node.keywords},
            kw_nodes={k.arg: k.value for k in node.keywords},
        )
        self.here = node
        try:
            if isinstance(callee, library.Builtin):
                return callee.run(self, call)
            if isinstance(callee, library.BoundMethod):
                return library.call_method(self, callee, call)
            if isinstance(callee, _MODULES):
                return library.call_module(self, callee, call)
        except ExprError as exc:
            raise exc.at(*self.where(node)) from None
        raise self.error(f"{subject(func)} is {describe(callee)}, not a function", func)

    def _defined(self, name: str) -> bool:
        return name in self.env or name in library.BUILTINS or any(name in scope for scope in self.scopes)

    def _evaluate_BinOp(self, node: ast.BinOp) -> Any:
        left_node: ast.expr = node.left
        if type(left_node) is not ast.BinOp:  # one operator (-0.1 * p.grad): no chain to walk
            left = _EVALUATE[type(left_node)](self, left_node)
            right = _EVALUATE[type(node.right)](self, node.right)
            return self.binop(node.op, left, right, left_node, node.right, node)
        # Walk a left-leaning chain (a + b + c + ...) in a loop, so its length costs no recursion.
        chain = []
        left_node = node
        while isinstance(left_node, ast.BinOp):
            chain.append(left_node)
            left_node = left_node.left
        value = _EVALUATE[type(left_node)](self, left_node)
        for op_node in reversed(chain):
            right = _EVALUATE[type(op_node.right)](self, op_node.right)
            value = self.binop(op_node.op, value, right, left_node, op_node.right, op_node)
            left_node = op_node
        return value

    def binop(
        self, op: ast.operator, left: Any, right: Any, left_node: Any, right_node: Any, node: ast.AST
    ) -> Any:
        """``left op right`` for Values and plain numbers, making the nodes Python would with engine.Value."""
        # The common case first (p.data += -0.1 * p.grad): two floats, where fold is plain arithmetic.
        if type(left) is float and type(right) is float and type(op) in _FLOAT_ARITHMETIC:
            return _FLOAT_ARITHMETIC[type(op)](left, right)
        kind, left_type, right_type = type(op), type(left), type(right)
        if left_type in _PLAIN and right_type in _PLAIN and kind is not ast.Pow:
            return fold(op, left, right)
        if not (left_type in _OPERAND and right_type in _OPERAND):  # Values and plain numbers only
            for operand, operand_node in ((left, left_node), (right, right_node)):
                if not (is_number(operand) or isinstance(operand, Value)):
                    symbol = OPERATOR_SYMBOLS[kind]
                    raise self.error(
                        f"unsupported operand for {symbol}: {describe(operand)}", operand_node or node
                    )
        if kind is ast.Pow:
            if isinstance(right, Value):
                raise self.error(
                    "exponent must be a number (a Value ** Value has no micrograd rule)", right_node or node
                )
            if not abs(right) <= self.settings.max_exponent:
                raise self.error(
                    f"exponent {right:g} is out of range: |exponent| <= {self.settings.max_exponent:g}",
                    right_node or node,
                )
        if is_number(left) and is_number(right):
            return fold(op, left, right)
        self.here = node
        result = self._value_op(op, left, right, left_node, right_node)
        # +, * and ** make one node of counted operands; - and / several (self + (-other)): walked.
        if kind is ast.Add or kind is ast.Mult or kind is ast.Pow:
            return self.count_one(result, node)
        return self.count(result, node)

    def _value_op(self, op: ast.operator, left: Any, right: Any, left_node: Any, right_node: Any) -> Value:
        # Mirrors engine.value.Value's methods (and Python's reflected-operator dispatch) step by step,
        # making each leaf where Value(other) would be made, so the graph is the one Python would build.
        if isinstance(op, ast.Pow):
            return left**right
        if type(op) is ast.Add or type(op) is ast.Mult:
            if not isinstance(left, Value):  # number + Value -> Value.__radd__ -> self + Value(other)
                left, right, left_node, right_node = right, left, right_node, left_node
            if not isinstance(right, Value):
                right = self.leaf(right, right_node)
            return left + right if isinstance(op, ast.Add) else left * right
        if isinstance(op, ast.Sub):
            if not isinstance(left, Value):  # number - Value -> other + (-self) -> (-self) + Value(other)
                return -right + self.leaf(left, left_node)
            if not isinstance(right, Value):  # Value - number -> self + (-other): the leaf holds -other
                return left + self.leaf(-right, right_node, negated=True)
            return left - right
        if not isinstance(left, Value):  # number / Value -> other * self**-1 -> self**-1 * Value(other)
            return right**-1 * self.leaf(left, left_node)
        if not isinstance(right, Value):  # Value / number -> self * other**-1: one leaf, 1/other
            label = f"1/{right_node.id}" if isinstance(right_node, ast.Name) else ""
            # No span: the leaf holds 1/other, so editing it cannot rewrite the literal other.
            return left * self.new_leaf(ieee_pow(float(right), -1), label, None)
        return left / right

    def _evaluate_UnaryOp(self, node: ast.UnaryOp) -> Any:
        inner = node.operand  # a literal (-0.1) is the common case: no dispatch for it
        operand = inner.value if type(inner) is ast.Constant else _EVALUATE[type(inner)](self, inner)
        if type(operand) in _PLAIN:  # is_number, inline: -0.1 is a UnaryOp on every run of its line
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(operand, Value):
            return self.count(-operand, node) if isinstance(node.op, ast.USub) else operand
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        raise self.error(f"unsupported operand for unary {sign}: {describe(operand)}", node.operand)

    def _evaluate_List(self, node: ast.List) -> list:
        return [self.evaluate(e) for e in node.elts]

    def _evaluate_Tuple(self, node: ast.Tuple) -> tuple:
        return tuple(self.evaluate(e) for e in node.elts)

    def _evaluate_Subscript(self, node: ast.Subscript) -> Any:
        obj = self.evaluate(node.value)
        if not isinstance(obj, list | tuple | range):
            raise self.error(f"{describe(obj)} cannot be indexed", node.value)
        if isinstance(node.slice, ast.Slice):
            parts = [node.slice.lower, node.slice.upper, node.slice.step]
            bounds = [None if p is None else self._index(p) for p in parts]
            if bounds[2] == 0:
                raise self.error("a slice step must not be zero", node.slice.step)
            return obj[slice(*bounds)]
        index = self._index(node.slice)
        if not -len(obj) <= index < len(obj):
            raise self.error(
                f"index {index} is out of range for {describe(obj)} of length {len(obj)}", node.slice
            )
        return obj[index]

    def _index(self, node: ast.expr) -> int:
        index = self.evaluate(node)
        if not isinstance(index, int) or isinstance(index, bool):
            shown = repr(index) if is_number(index) else describe(index)
            raise self.error(f"an index must be a whole number, not {shown}", node)
        return index

    def _evaluate_ListComp(self, node: ast.ListComp | ast.GeneratorExp) -> list:
        """``[elt for a in xs for b in ys]`` (a generator is made eagerly: the same Values result)."""
        generators = node.generators
        out: list[Any] = []
        self.scopes.append({})
        try:
            iterators = [iter(self._iterable(generators[0].iter, "a comprehension"))]
            while iterators:
                level = len(iterators) - 1
                try:
                    item = next(iterators[-1])
                except StopIteration:
                    iterators.pop()
                    continue
                self.step(generators[level].target)
                self.assign(generators[level].target, item, None, "comprehension")
                if level == len(generators) - 1:
                    out.append(self.evaluate(node.elt))
                else:
                    iterators.append(iter(self._iterable(generators[level + 1].iter, "a comprehension")))
        finally:
            self.scopes.pop()
        return out

    _evaluate_GeneratorExp = _evaluate_ListComp

    def _iterable(self, node: ast.expr, what: str) -> Any:
        try:
            return library.iterable(self.evaluate(node), what)
        except ExprError as exc:
            raise exc.at(*self.where(node)) from None

    def _evaluate_JoinedStr(self, node: ast.JoinedStr) -> str:
        budget = self.settings.max_print_chars  # strings only end up in prints and labels
        parts: list[str] = []
        used = 0
        for part in node.values:
            if used > budget:
                break
            if isinstance(part, ast.Constant):
                parts.append(part.value)
            else:
                value = self.evaluate(part.value)
                spec = "".join(c.value for c in part.format_spec.values) if part.format_spec else ""
                try:
                    parts.append(format_field(value, part.conversion, spec, budget - used + 1))
                except ExprError as exc:
                    raise exc.at(*self.where(part.value)) from None
            used += len(parts[-1])
        return render("".join(parts), budget)

    # ---------------------------------------------------------------- effects

    def record_print(self, line: int, text: str) -> None:
        room = self.settings.max_print_chars - self._print_chars
        if room <= 0:
            return
        if len(text) >= room:
            text = text[: max(room - 1, 0)] + "… (output cut off)"
        self._print_chars += len(text) + 1
        self.prints.append((line, text))

    def backward(self, owner: Any, origin: ast.expr | None) -> None:
        """``x.backward()``: backpropagate now (later prints show the grads) and make ``x`` the output."""
        value = self.leaf(owner, origin) if is_number(owner) else owner
        value.backward()
        self.backward_value = value
        self.backward_name = origin.id if isinstance(origin, ast.Name) else None


# Dispatch on the node's type: one dict lookup per node instead of building a method name.
_EXECUTE = {
    ast.Expr: Interpreter._execute_Expr,
    ast.Assign: Interpreter._execute_Assign,
    ast.AugAssign: Interpreter._execute_AugAssign,
    ast.For: Interpreter._execute_For,
    ast.Import: Interpreter._execute_Import,
    ast.ImportFrom: Interpreter._execute_Import,
    ast.Pass: lambda self, node: None,
}
_EVALUATE = {
    getattr(ast, name.removeprefix("_evaluate_")): method
    for name, method in vars(Interpreter).items()
    if name.startswith("_evaluate_")
}
_PLAIN = (int, float)  # the types of plain numbers (bool is not one: is_number)
_OPERAND = (int, float, Value)  # exact types binop takes without a closer look
# fold, for two floats: plain arithmetic
_FLOAT_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
# isinstance's tuples made once (an ``A | B`` in a hot path builds a union on every call)
_UNCALLED = (library.BoundMethod, library.Builtin)
_MODULES = (MLP, Layer, Neuron)
_UNBOUND = object()


def _is_literal(node: ast.AST | None) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Constant) and is_number(node.value)
