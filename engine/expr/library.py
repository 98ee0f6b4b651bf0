"""Everything a program can call or read: the functions, micrograd's modules, attributes and methods.

Each function gets the running ``Interpreter`` and the ``Call`` (arguments with their AST nodes, so a
number literal passed to ``Value(...)`` or ``tanh(...)`` keeps its place in the source).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from engine.expr.errors import ExprError
from engine.expr.numbers import is_number
from engine.expr.text import describe, render
from engine.nn import ACTIVATIONS, MLP, Layer, Neuron
from engine.value import Value

if TYPE_CHECKING:
    from engine.expr.interpreter import Interpreter

UNARY_FUNCTIONS = ("relu", "tanh", "exp", "log", "sigmoid")
VALUE_METHODS = (*UNARY_FUNCTIONS, "backward")
VALUE_ATTRIBUTES = ("data", "grad", "label")
_ITERABLES = (list, tuple, range, zip, enumerate)
_MODULE_ATTRIBUTES: dict[type, tuple[str, ...]] = {
    MLP: ("layers",),
    Layer: ("neurons",),
    Neuron: ("w", "b"),
}
_MODULE_METHODS = ("parameters", "zero_grad")
_MODULE_TYPES = (MLP, Layer, Neuron)


@dataclass
class Call:
    """The arguments of one call, each with the expression it came from."""

    node: ast.Call
    name: str
    args: list[Any]
    arg_nodes: list[ast.expr]
    kwargs: dict[str, Any]
    kw_nodes: dict[str, ast.expr]

    def bind(self, params: tuple[str, ...], required: int) -> dict[str, tuple[Any, ast.expr]]:
        """Arguments by parameter name, as Python matches them (no *args beyond ``params``)."""
        if len(self.args) > len(params):
            raise ExprError(f"{self.name}() takes at most {len(params)} arguments ({len(self.args)} given)")
        bound = {p: (v, n) for p, v, n in zip(params, self.args, self.arg_nodes)}
        for key, value in self.kwargs.items():
            if key not in params:
                raise ExprError(f"{self.name}() got an unexpected keyword argument '{key}'")
            if key in bound:
                raise ExprError(f"{self.name}() got multiple values for argument '{key}'")
            bound[key] = (value, self.kw_nodes[key])
        for p in params[:required]:
            if p not in bound:
                raise ExprError(f"{self.name}() missing required argument '{p}'")
        return bound


@dataclass(frozen=True)
class Builtin:
    name: str
    run: Callable[[Interpreter, Call], Any] = field(repr=False)
    kind = "a function"

    def __repr__(self) -> str:
        return f"<function {self.name}>"


@dataclass(frozen=True, eq=False)
class BoundMethod:
    """``owner.name`` before it is called; ``origin`` is the receiver's expression (for number leaves)."""

    owner: Any
    name: str
    origin: ast.expr | None
    kind = "a method"

    def __repr__(self) -> str:
        return f"<method {self.name}>"


@dataclass(frozen=True)
class Namespace:
    """One of micrograd's modules, as far as a program can import it."""

    name: str
    members: dict[str, Any]
    kind = "a module"

    def __repr__(self) -> str:
        return f"<module '{self.name}'>"


# ---------------------------------------------------------------- argument checks


def _number(value: Any, what: str) -> float | int:
    if not is_number(value):
        raise ExprError(f"{what} must be a number, not {describe(value)}")
    return value


def _whole(value: Any, what: str, minimum: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        shown = repr(value) if is_number(value) else describe(value)
        raise ExprError(f"{what} must be a whole number, not {shown}")
    if minimum is not None and value < minimum:
        raise ExprError(f"{what} must be at least {minimum}, not {value}")
    return value


def _label(value: Any, interp: Interpreter) -> str:
    if not isinstance(value, str):
        raise ExprError(f"a label must be a string, not {describe(value)}")
    if len(value) > interp.settings.max_label_chars:
        raise ExprError(f"labels are limited to {interp.settings.max_label_chars} characters")
    return value


def iterable(value: Any, what: str = "a loop") -> Any:
    """``value`` if a loop may walk it (lists, tuples, range, zip, enumerate)."""
    if not isinstance(value, _ITERABLES):
        raise ExprError(f"{what} needs a list, range(...), zip(...) or enumerate(...), not {describe(value)}")
    return value


# ---------------------------------------------------------------- functions


def _value(interp: Interpreter, call: Call) -> Value:
    args = call.bind(("data", "_children", "_op", "label"), required=1)
    data, data_node = args["data"]
    if not is_number(data):
        raise ExprError(f"Value() needs a number as data, not {describe(data)}").at(*interp.where(data_node))
    children = args.get("_children", ((), None))
    if not isinstance(children[0], list | tuple) or children[0]:
        raise ExprError("Value() makes leaves only: _children must be empty").at(*interp.where(children[1]))
    op = args.get("_op", ("", None))
    if op[0] != "":
        raise ExprError("Value() makes leaves only: _op must be ''").at(*interp.where(op[1]))
    label = _label(args["label"][0], interp) if "label" in args else ""
    return interp.new_leaf(float(data), label, interp.literal_span(data_node))


def _print(interp: Interpreter, call: Call) -> None:
    sep = " "
    for key, value in call.kwargs.items():
        if key != "sep":
            raise ExprError(f"print() takes only sep=, not {key}=")
        if not isinstance(value, str):
            raise ExprError(f"print(sep=...) must be a string, not {describe(value)}")
        sep = value
    room = interp.settings.max_print_chars
    parts: list[str] = []
    for arg in call.args:
        if room <= 0:
            break
        parts.append(render(arg, room))
        room -= len(parts[-1]) + len(sep)
    interp.record_print(call.node.lineno, sep.join(parts))


def _unary(name: str) -> Callable[[Interpreter, Call], Value]:
    def run(interp: Interpreter, call: Call) -> Value:
        (x, node) = call.bind(("x",), required=1)["x"]
        return apply_unary(interp, name, x, node, call.node)

    return run


def apply_unary(interp: Interpreter, name: str, x: Any, origin: ast.expr | None, node: ast.AST) -> Value:
    """``x.name()`` for a Value; a number becomes a leaf first (labelled by its variable)."""
    interp.here = node
    if is_number(x):
        x = interp.leaf(x, origin)
    elif not isinstance(x, Value):
        raise ExprError(f"{name}() needs a Value or a number, not {describe(x)}")
    return interp.count(getattr(x, name)(), node)


def _sum(interp: Interpreter, call: Call) -> Any:
    args = call.bind(("iterable", "start"), required=1)
    total, total_node = args.get("start", (0, None))
    # sum(x for x in xs): the comprehension counted a step per item already; one is enough.
    counted = isinstance(call.arg_nodes[0], ast.GeneratorExp | ast.ListComp) if call.arg_nodes else False
    for item in iterable(args["iterable"][0], "sum()"):
        if not counted:
            interp.step(call.node)
        total = interp.binop(ast.Add(), total, item, total_node, None, call.node)
        total_node = None
    return total


def _len(interp: Interpreter, call: Call) -> int:
    (x, _) = call.bind(("obj",), required=1)["obj"]
    if not isinstance(x, list | tuple | range | str):
        raise ExprError(f"len() needs a list, not {describe(x)}")
    return len(x)


def _range(interp: Interpreter, call: Call) -> range:
    if call.kwargs or not 1 <= len(call.args) <= 3:
        raise ExprError("range() takes 1 to 3 whole numbers")
    bounds = [_whole(a, "range()'s arguments") for a in call.args]
    if len(bounds) == 3 and bounds[2] == 0:
        raise ExprError("range()'s step must not be zero")
    return range(*bounds)


def _zip(interp: Interpreter, call: Call) -> zip:
    if call.kwargs:
        raise ExprError("zip() takes no keyword arguments")
    return zip(*(iterable(a, "zip()") for a in call.args))


def _enumerate(interp: Interpreter, call: Call) -> enumerate:
    args = call.bind(("iterable", "start"), required=1)
    start = _whole(args.get("start", (0, None))[0], "enumerate()'s start")
    return enumerate(iterable(args["iterable"][0], "enumerate()"), start)


def _draw_dot(interp: Interpreter, call: Call) -> Value:
    """The lecture's drawing helper: here every program is drawn, so it just names what to draw."""
    (x, node) = call.bind(("root",), required=1)["root"]
    if is_number(x):
        x = interp.leaf(x, node)
    if not isinstance(x, Value):
        raise ExprError(f"draw_dot() needs a Value, not {describe(x)}")
    return x


def _activation(call: Call, args: dict[str, tuple[Any, ast.expr]]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if "activation" in args:
        activation = args["activation"][0]
        if activation not in ACTIVATIONS:
            raise ExprError(f"{call.name}(activation=...) must be one of {', '.join(map(repr, ACTIVATIONS))}")
        options["activation"] = activation
    if "nonlin" in args:
        if not isinstance(args["nonlin"][0], bool):
            raise ExprError(f"{call.name}(nonlin=...) must be True or False")
        options["nonlin"] = args["nonlin"][0]
    return options


def _module_options(interp: Interpreter, call: Call, args: dict[str, tuple[Any, ast.expr]]) -> dict[str, Any]:
    """A Layer's or Neuron's options: the lecture's (tanh, random bias) unless micrograd.nn was imported."""
    options = _activation(call, args)
    if interp.lecture_nn and not options:
        return {"activation": "tanh", "random_bias": True}
    return options


def _mlp(interp: Interpreter, call: Call) -> MLP:
    args = call.bind(("nin", "nouts", "activation", "seed"), required=2)
    nin = _whole(args["nin"][0], "MLP()'s number of inputs", 1)
    nouts = args["nouts"][0]
    if not isinstance(nouts, list | tuple) or not nouts:
        raise ExprError(f"MLP()'s layer sizes must be a list of whole numbers, not {describe(nouts)}")
    sizes = [nin] + [_whole(n, "a layer size", 1) for n in nouts]
    interp.reserve(sum((a + 1) * b for a, b in pairwise(sizes)), "MLP(...) parameters", call.node)
    seed = args["seed"][0] if "seed" in args else interp.rng.randrange(2**32)
    options = _activation(call, args)
    lecture = interp.lecture_nn and not options  # the lecture's model unless micrograd.nn's was imported
    model = MLP(nin, list(nouts), seed=_whole(seed, "MLP()'s seed"), lecture=lecture, **options)
    interp.count_all(model.parameters(), call.node)
    return model


def _layer(interp: Interpreter, call: Call) -> Layer:
    args = call.bind(("nin", "nout", "activation", "nonlin"), required=2)
    nin = _whole(args["nin"][0], "Layer()'s number of inputs", 1)
    nout = _whole(args["nout"][0], "Layer()'s number of neurons", 1)
    interp.reserve((nin + 1) * nout, "Layer(...) parameters", call.node)
    layer = Layer(nin, nout, rng=interp.rng, **_module_options(interp, call, args))
    interp.count_all(layer.parameters(), call.node)
    return layer


def _neuron(interp: Interpreter, call: Call) -> Neuron:
    args = call.bind(("nin", "nonlin", "activation"), required=1)
    nin = _whole(args["nin"][0], "Neuron()'s number of inputs", 1)
    interp.reserve(nin + 1, "Neuron(...) parameters", call.node)
    neuron = Neuron(nin, rng=interp.rng, **_module_options(interp, call, args))
    interp.count_all(neuron.parameters(), call.node)
    return neuron


def _seed(interp: Interpreter, call: Call) -> None:
    (value, _) = call.bind(("a",), required=1)["a"]
    if not (is_number(value) or isinstance(value, str)):
        raise ExprError(f"random.seed() needs a number or a string, not {describe(value)}")
    interp.rng.seed(value)


def _uniform(interp: Interpreter, call: Call) -> float:
    args = call.bind(("a", "b"), required=2)
    return interp.rng.uniform(_number(args["a"][0], "uniform()'s a"), _number(args["b"][0], "uniform()'s b"))


def _random(interp: Interpreter, call: Call) -> float:
    call.bind((), required=0)
    return interp.rng.random()


def _gauss(interp: Interpreter, call: Call) -> float:
    args = call.bind(("mu", "sigma"), required=0)
    mu = _number(args.get("mu", (0.0, None))[0], "gauss()'s mu")
    return interp.rng.gauss(mu, _number(args.get("sigma", (1.0, None))[0], "gauss()'s sigma"))


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in [
        Builtin("Value", _value),
        Builtin("print", _print),
        *(Builtin(name, _unary(name)) for name in UNARY_FUNCTIONS),
        Builtin("sum", _sum),
        Builtin("len", _len),
        Builtin("range", _range),
        Builtin("zip", _zip),
        Builtin("enumerate", _enumerate),
        Builtin("MLP", _mlp),
        Builtin("Layer", _layer),
        Builtin("Neuron", _neuron),
        Builtin("draw_dot", _draw_dot),
    ]
}
ALLOWED_FUNCTIONS = ", ".join(BUILTINS)

_ENGINE = Namespace("micrograd.engine", {"Value": BUILTINS["Value"]})
_NN = Namespace("micrograd.nn", {name: BUILTINS[name] for name in ("Neuron", "Layer", "MLP")})
# Python's random, on the program's own generator: the same seed gives the same numbers (and weights).
_RANDOM = Namespace(
    "random",
    {b.name: b for b in (Builtin("seed", _seed), Builtin("uniform", _uniform), Builtin("random", _random),
                         Builtin("gauss", _gauss))},
)  # fmt: skip
MODULES: dict[str, Namespace] = {
    "micrograd": Namespace("micrograd", {"engine": _ENGINE, "nn": _NN}),
    "micrograd.engine": _ENGINE,
    "micrograd.nn": _NN,
    "random": _RANDOM,
}
PACKAGE_NN = ("micrograd", "micrograd.nn")  # importing these means micrograd's own Neuron/Layer/MLP


# ---------------------------------------------------------------- modules: calls


def call_module(interp: Interpreter, module: MLP | Layer | Neuron, call: Call) -> Any:
    """``model(x)``: a forward pass, after checking its input and the nodes it will make."""
    (x, _) = call.bind(("x",), required=1)["x"]
    layers = module.layers if isinstance(module, MLP) else [module]
    nin = len(_neurons(layers[0])[0].w)
    if not isinstance(x, list | tuple) or any(not (is_number(v) or isinstance(v, Value)) for v in x):
        raise ExprError(f"the input must be a list of {nin} numbers or Values, not {describe(x)}")
    if len(x) != nin:
        raise ExprError(f"the input has {len(x)} elements; this model takes {nin}")
    made = module.nodes_made(sum(1 for v in x if not isinstance(v, Value)))
    interp.reserve(made, "this forward pass", call.node)
    out: Any = list(x)
    for i, layer in enumerate(layers):
        out = layer(out)
        if isinstance(out, Value) and i < len(layers) - 1:
            out = [out]  # micrograd's Layer returns a lone Value for width 1; the next layer wants a list
    interp.count_forward(out if isinstance(out, list) else [out], made, call.node)
    return out


def _neurons(layer: Layer | Neuron) -> list[Neuron]:
    return layer.neurons if isinstance(layer, Layer) else [layer]


# ---------------------------------------------------------------- attributes


def get_attribute(interp: Interpreter, obj: Any, node: ast.Attribute) -> Any:
    name = node.attr
    if isinstance(obj, Value) and name in VALUE_ATTRIBUTES:  # the common case first: p.grad
        return getattr(obj, name)
    if isinstance(obj, Value) or is_number(obj):
        if name in VALUE_METHODS:
            return BoundMethod(obj, name, node.value)
        if is_number(obj) and name in VALUE_ATTRIBUTES:
            raise ExprError(f"{_subject(node)} is a number, not a Value: write Value(...) to get .{name}")
        raise ExprError(
            "attribute access is limited to .data, .grad, .label and the functions " + "/".join(VALUE_METHODS)
        )
    if isinstance(obj, _MODULE_TYPES):
        if name in _MODULE_ATTRIBUTES[type(obj)]:
            return getattr(obj, name)
        if name in _MODULE_METHODS:
            return BoundMethod(obj, name, None)
        allowed = [f".{a}" for a in _MODULE_ATTRIBUTES[type(obj)]] + [f".{m}()" for m in _MODULE_METHODS]
        raise ExprError(f"{describe(obj)} has {', '.join(allowed)}; not .{name}")
    if isinstance(obj, Namespace):
        if name in obj.members:
            return obj.members[name]
        raise ExprError(f"{obj.name} has no '{name}' here; it has {', '.join(obj.members)}")
    raise ExprError(f"{describe(obj)} has no attribute .{name}")


def set_attribute(interp: Interpreter, obj: Any, node: ast.Attribute, value: Any) -> None:
    name = node.attr
    if not isinstance(obj, Value):
        if is_number(obj):
            raise ExprError(f"{_subject(node)} is a number, not a Value: write Value(...) to set .{name}")
        raise ExprError(f"only .label, .data and .grad of a Value can be set, not .{name} of {describe(obj)}")
    if name == "label":
        obj.label = _label(value, interp)
    elif name == "data" or name == "grad":
        if type(value) is not float and not is_number(value):  # not _number(): it formats its message
            raise ExprError(f".{name} must be a number, not {describe(value)}")
        setattr(obj, name, float(value))
        interp.data_written |= name == "data"
    else:
        raise ExprError(f"only .label, .data and .grad of a Value can be set, not .{name}")


def _subject(node: ast.Attribute) -> str:
    return f"'{node.value.id}'" if isinstance(node.value, ast.Name) else "this"


def call_method(interp: Interpreter, method: BoundMethod, call: Call) -> Any:
    if call.args or call.kwargs:
        raise ExprError(f".{method.name}() takes no arguments")
    owner = method.owner
    if method.name == "backward":
        return interp.backward(owner, method.origin)
    if method.name in UNARY_FUNCTIONS:
        return apply_unary(interp, method.name, owner, method.origin, call.node)
    if method.name == "parameters":
        return owner.parameters()
    owner.zero_grad()
    return None
