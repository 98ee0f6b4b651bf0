"""``run_program``: source text in, a backpropagated output Value and what the program said out."""

from __future__ import annotations

import ast
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.expr.check import parse_program
from engine.expr.errors import ExprError, NothingToDraw, Span
from engine.expr.interpreter import Interpreter
from engine.expr.numbers import is_number
from engine.expr.text import describe
from engine.nn import MLP, Layer, Neuron
from engine.reader import OutputError, pick_output
from engine.settings import Settings
from engine.settings import settings as default_settings
from engine.value import Value


@dataclass
class Program:
    output: Value  # the chosen output node; its graph holds a fresh backward pass
    output_name: str | None  # the variable the output is bound to, if any
    names: dict[str, Value | float]  # final variables that hold a Value or a number (loop variables left out)
    leaf_spans: Mapping[Value, Span] = field(default_factory=dict)  # leaves made from number literals
    prints: list[tuple[int, str]] = field(default_factory=list)  # (line, text) of each print(...)
    backward_called: bool = False
    models: dict[str, MLP | Layer | Neuron] = field(default_factory=dict)  # named and grouped in the graph
    notices: list[str] = field(default_factory=list)  # how the text was read, when not as written
    steps: int = 0  # what max_eval_steps counted (statements run, comprehension items)


def run_program(source: str, output: str | None = None, settings: Settings = default_settings) -> Program:
    """Check and run ``source``, pick its output, zero the output graph's grads and backpropagate.

    The source is parsed with Python's ``ast`` and walked by ``Interpreter``; it is never compiled
    or executed as Python. Every failure is an ``ExprError`` with a line and column where one applies.
    """
    started = time.monotonic()
    if not isinstance(source, str):
        raise ExprError(f"the program must be text, not {type(source).__name__}")
    tree, positions, notice = parse_program(source, settings)
    interp = Interpreter(positions, settings, started)
    try:
        interp.run(tree)
        program = _finish(interp, output)
        program.notices = [notice] if notice else []
        program.steps = interp.steps
        if interp.data_written:  # a .data was set after use: recompute, so data and grads agree
            program.output.forward()
        program.output.backward(zero_grad=True)
        return program
    except ExprError:
        raise
    except (RecursionError, MemoryError):
        raise interp.error("the program is too deeply nested or too large to run", None) from None
    except Exception as exc:  # a bug in the language, never in the program: still an ExprError
        raise interp.error(f"internal error: {type(exc).__name__}: {exc}", None) from exc


def _finish(interp: Interpreter, output: str | None) -> Program:
    """Pick the output (``engine.reader.pick_output``: the ``output`` argument, else what
    ``.backward()`` ran on, else a final bare expression, else the last variable assigned that
    holds a Value or a number); a number becomes a leaf."""
    names = {
        name: value if isinstance(value, Value) else float(value)
        for name, value in interp.env.items()
        if (isinstance(value, Value) or is_number(value)) and name not in interp.loop_names
    }
    try:
        choice = pick_output(
            names if output is None or output not in interp.env else interp.env,
            output=output,
            backward=interp.backward_value,
            backward_name=interp.backward_name,
            last_expression=interp.final_value,
            assigned=sorted(interp.assigned, key=interp.assigned.get),
            accept=lambda v: isinstance(v, Value) or is_number(v),
        )
    except OutputError as exc:
        raise ExprError(str(exc)) from None
    if choice is None:
        raise NothingToDraw(
            "nothing to draw: the program made no Value (assign one to a variable, a = Value(2.0), "
            "or call .backward() on one)",
            interp.prints,
        )
    chosen, name = choice.value, choice.name
    if choice.how == "expression":
        node = interp.final_node
        name = node.id if isinstance(node, ast.Name) else None
    else:
        node = ast.Name(id=name) if name is not None and choice.how != "backward" else None
    if is_number(chosen):  # a plain number as output becomes a leaf, labelled by its variable
        chosen = interp.leaf(chosen, node)
    if not isinstance(chosen, Value):
        raise ExprError(f"output '{output}' is {describe(chosen)}, not a Value or a number")
    if name is not None and interp.env.get(name) is not chosen and not is_number(interp.env.get(name)):
        name = None  # the variable was rebound after .backward(): it no longer names the output
    if name is None:
        name = next((n for n, v in names.items() if v is chosen), None)
    if name is not None:
        names[name] = chosen
    return Program(
        output=chosen,
        output_name=name,
        names=names,
        leaf_spans=interp.leaf_spans,
        prints=interp.prints,
        backward_called=interp.backward_value is not None,
        models={k: v for k, v in interp.env.items() if isinstance(v, MLP | Layer | Neuron)},
    )
