"""Python mode of the playground: run a student's program as real Python and describe its graph.

This file runs only inside the browser, in Pyodide, in the page's Web Worker
(static/js/playground/python-worker.js); the server never executes it or the programs it runs.
The worker loads it with the engine modules and the micrograd shim from ``GET /pyodide/bundle.zip``
and calls ``run(source, output)`` once per run.

What a run does:

* prints are captured with the program line that printed them;
* the Value ``.backward()`` was last called on is recorded (``sys.monitoring`` where the Python
  has it: after the first call of each function the hook costs nothing; ``sys.setprofile`` else);
* a bare expression ending the program is evaluated, as a notebook cell shows its last value, and
  ``draw_dot(x)`` there names ``x``;
* ``numpy``, ``torch`` and ``matplotlib`` fail with one clear line; ``graphviz`` is a stand-in whose
  ``Digraph`` draws nothing, so the lecture's own ``draw_dot`` cell runs (the page draws instead);
* the leaves written as ``name = Value(<number>)`` get the span of their call, so the page can nudge
  them by rewriting that number;
* ``engine.reader`` picks the output and reads it (any micrograd-like Value: Backprop Lab's, the
  lecture's own class, ...) and ``engine.graph_json`` gives the JSON of ``POST /api/graph``.
"""

from __future__ import annotations

import ast
import importlib.abc
import io
import json
import sys
import time
import types
from collections.abc import Callable
from typing import Any

PROGRAM = "<program>"  # the file name of the student's code in tracebacks
# Node evaluations the gradient check may spend here (the server allows settings.max_gradient_check_work):
# Pyodide is a few times slower than CPython, and the check must not eat the program's time limit.
GRADIENT_CHECK_WORK = 150_000

UNAVAILABLE = {
    "numpy": "numpy is not available in the browser's Python: Values hold plain floats, use math and lists",
    "torch": "torch (PyTorch) is not available in the browser's Python: run the PyTorch cell in a notebook",
    "matplotlib": "matplotlib is not available in the browser's Python: the page draws the graph itself",
    "pandas": "pandas is not available in the browser's Python",
}


class ProgramError(Exception):
    """The program failed: a message, and where in the source (1-based) when it is known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


# ------------------------------------------------------------------------------------ set-up


class _Unavailable(importlib.abc.MetaPathFinder):
    """Refuses the libraries the browser does not have, with a sentence instead of a bare name."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        message = UNAVAILABLE.get(fullname.partition(".")[0])
        if message:
            raise ModuleNotFoundError(message, name=fullname)


class _Digraph:
    """graphviz.Digraph that records nothing: the lecture's draw_dot runs; the page does the drawing."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.body: list[str] = []

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None

    def _repr_svg_(self) -> str:
        return ""


def _graphviz_stand_in() -> types.ModuleType:
    module = types.ModuleType("graphviz", "A stand-in: the playground draws the graph itself.")
    module.Digraph = _Digraph  # type: ignore[attr-defined]
    module.Graph = _Digraph  # type: ignore[attr-defined]
    return module


def install() -> None:
    """Prepare this interpreter for student programs (once, before the first run)."""
    if not any(isinstance(finder, _Unavailable) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Unavailable())
    sys.modules.setdefault("graphviz", _graphviz_stand_in())
    # Import the engine now, so the first run does not pay for it.
    import micrograd.nn  # noqa: F401

    import engine.graph_json
    import engine.reader  # noqa: F401


# ------------------------------------------------------------------------------------ capturing


class _Prints(io.TextIOBase):
    """sys.stdout for the program: each line with the program line that printed it, up to a limit."""

    def __init__(self, limit: int):
        self.limit = limit
        self.lines: list[tuple[int, str]] = []
        self.partial = ""
        self.partial_line = 0
        self.size = 0
        self.cut = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.cut:
            return len(text)
        line = _program_line()
        if not self.partial:
            self.partial_line = line
        self.partial += text
        while "\n" in self.partial:
            head, _, self.partial = self.partial.partition("\n")
            self._keep(self.partial_line, head)
            self.partial_line = line
        return len(text)

    def _keep(self, line: int, text: str) -> None:
        if self.size + len(text) > self.limit:
            text = text[: max(0, self.limit - self.size)] + f"… (output cut at {self.limit} characters)"
            self.cut = True
        self.size += len(text) + 1
        self.lines.append((line, text))

    def finish(self) -> list[tuple[int, str]]:
        if self.partial and not self.cut:
            self._keep(self.partial_line, self.partial)
        self.partial = ""
        return self.lines


def _program_line() -> int:
    """The line of the student's program that is running now (0 when none is)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == PROGRAM:
            return frame.f_lineno or 0
        frame = frame.f_back
    return 0


class _BackwardCalls:
    """Remembers the object whose ``backward`` method ran last, while active."""

    def __init__(self) -> None:
        self.last: Any = None
        self.tool: int | None = None

    def __enter__(self) -> _BackwardCalls:
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is None:
            sys.setprofile(self._profile)
            return self
        for tool in range(monitoring.OPTIMIZER_ID - 1, monitoring.DEBUGGER_ID, -1):
            if monitoring.get_tool(tool) is None:
                self.tool = tool
                break
        else:
            sys.setprofile(self._profile)
            return self
        monitoring.use_tool_id(self.tool, "backprop-lab")
        monitoring.register_callback(self.tool, monitoring.events.PY_START, self._started)
        monitoring.set_events(self.tool, monitoring.events.PY_START)
        monitoring.restart_events()  # code disabled by an earlier run is watched again
        return self

    def __exit__(self, *exc: object) -> None:
        if self.tool is None:
            sys.setprofile(None)
            return
        monitoring = sys.monitoring
        monitoring.set_events(self.tool, 0)
        monitoring.register_callback(self.tool, monitoring.events.PY_START, None)
        monitoring.free_tool_id(self.tool)
        self.tool = None

    def _started(self, code: types.CodeType, offset: int) -> object:
        if code.co_name != "backward":
            return sys.monitoring.DISABLE  # never called again for this function
        self._record(sys._getframe(1))
        return None

    def _profile(self, frame: types.FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code.co_name == "backward":
            self._record(frame)

    def _record(self, frame: types.FrameType) -> None:
        if frame.f_code.co_argcount:
            owner = frame.f_locals.get(frame.f_code.co_varnames[0])
            if owner is not None:
                self.last = owner


# ------------------------------------------------------------------------------------ the program


class _Span:
    def __init__(self, node: ast.expr):
        self.line = node.lineno
        self.column = node.col_offset + 1
        self.end_line = node.end_lineno or node.lineno
        self.end_column = (node.end_col_offset or node.col_offset) + 1


def _literal_leaves(tree: ast.Module) -> dict[str, _Span]:
    """Variables assigned ``Value(<number>, ...)`` (or ``Value(data=<number>)``): where that call is."""
    found: dict[str, _Span] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Call):
            continue
        call = node.value
        callee = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
        first = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "data"), None)
        if callee != "Value" or first is None or not _is_number(first):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name):
                found[target.id] = _Span(call)
    return found


def _is_number(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _split_last_expression(tree: ast.Module) -> ast.expr | None:
    """Take a bare expression off the end of the program; ``draw_dot(x)`` gives ``x``."""
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return None
    expr = tree.body.pop().value
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.func.id == "draw_dot"
        and len(expr.args) == 1
    ):
        return expr.args[0]
    return expr


def _draw_dot(root: Any, *args: Any, **kwargs: Any) -> Any:
    """``draw_dot`` for programs that call it without defining it: the page draws ``root``."""
    return root


def _predefined() -> dict[str, Any]:
    """What lab-mode programs use without importing it, so they run in Python mode unchanged.

    A program's own ``class Value`` (or import) simply replaces these.
    """
    from engine.nn import MLP, Layer, Neuron
    from engine.value import Value

    def op(name: str) -> Callable[[Any], Any]:
        def apply(x: Any) -> Any:
            return getattr(x if _is_value_like(x) else Value(x), name)()

        apply.__name__ = name
        return apply

    names: dict[str, Any] = {
        "Value": Value,
        "Neuron": Neuron,
        "Layer": Layer,
        "MLP": MLP,
        "draw_dot": _draw_dot,
    }
    names.update((name, op(name)) for name in ("relu", "tanh", "exp", "log", "sigmoid"))
    return names


def _error_from(exc: BaseException) -> ProgramError:
    """The message and the program line/column of an exception raised while running."""
    if isinstance(exc, SyntaxError) and exc.filename == PROGRAM:
        return ProgramError(f"SyntaxError: {exc.msg}", exc.lineno, exc.offset)
    line = column = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == PROGRAM:
            line = tb.tb_lineno
            column = _column(tb)
        tb = tb.tb_next
    text = str(exc)
    if isinstance(exc, ModuleNotFoundError) and exc.name and exc.name.partition(".")[0] in UNAVAILABLE:
        return ProgramError(text, line, column)
    return ProgramError(f"{type(exc).__name__}: {text}" if text else type(exc).__name__, line, column)


def _column(tb: types.TracebackType) -> int | None:
    positions = list(tb.tb_frame.f_code.co_positions())
    index = tb.tb_lasti // 2
    if 0 <= index < len(positions) and positions[index][2] is not None:
        return positions[index][2] + 1
    return None


def _execute(source: str, prints: _Prints) -> tuple[dict[str, Any], Any, Any, dict[str, _Span]]:
    """Run ``source``: (its globals, the value of its last expression, the last .backward() owner, spans)."""
    try:
        tree = ast.parse(source, PROGRAM)
    except SyntaxError as exc:
        raise _error_from(exc) from None
    spans = _literal_leaves(tree)
    last = _split_last_expression(tree)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__, **_predefined()}
    stdout = sys.stdout
    sys.stdout = prints
    try:
        with _BackwardCalls() as calls:
            exec(compile(tree, PROGRAM, "exec"), namespace)
            value = eval(compile(ast.Expression(last), PROGRAM, "eval"), namespace) if last else None
    except Exception as exc:
        raise _error_from(exc) from None
    finally:
        sys.stdout = stdout
    if value is not None and last is not None and not _is_value_like(value):
        prints._keep(last.lineno, repr(value))  # what a notebook cell shows under itself
    return namespace, value, calls.last, spans


def _is_value_like(obj: Any) -> bool:
    from engine.reader import is_value_like

    return is_value_like(obj)


# ------------------------------------------------------------------------------------ the graph


def _variables(namespace: dict[str, Any]) -> dict[str, Any]:
    """What the program defined, less modules, classes, functions and private names."""
    return {
        name: value
        for name, value in namespace.items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType | type | types.FunctionType | types.BuiltinFunctionType)
    }


def _roots(variables: dict[str, Any]) -> list[str]:
    """The Value variables no other Value variable's graph contains, in the namespace's order.

    Without a backward call or a last expression, the last of these is drawn: ``o`` of the
    lecture's neuron, not the loop variable ``node`` left pointing at one of its leaves.
    """
    from engine.graph import GraphTooLarge
    from engine.reader import GraphReadError, is_value_like, topo_order

    inside: set[int] = set()
    candidates = [name for name, value in variables.items() if is_value_like(value)]
    for name in candidates:
        value = variables[name]
        if id(value) in inside:
            continue
        try:
            inside.update(id(v) for v in topo_order(value) if v is not value)
        except (GraphReadError, GraphTooLarge):
            continue
    return [name for name in candidates if id(variables[name]) not in inside]


def _describe(
    namespace: dict[str, Any],
    output: str | None,
    last: Any,
    backward: Any,
    spans: dict[str, _Span],
    prints: list[tuple[int, str]],
    check_gradients: bool,
) -> tuple[dict[str, Any] | None, str | None]:
    """The graph JSON of the output the reader picks (None: nothing to draw), and why there is no
    gradient check when it is over its limit."""
    from engine.drawing import DrawingTooLarge, add_folds, plan
    from engine.graph import GraphTooLarge, check_leaf_gradients
    from engine.graph_json import to_json
    from engine.reader import pick_output, read_graph
    from engine.settings import settings

    variables = _variables(namespace)
    roots = _roots(variables)
    if backward is not None and roots and not any(v is backward for v in variables.values()):
        # A loop that breaks after its forward pass: .backward() ran on the previous step's loss,
        # no longer any variable's; draw the variable the program ended with.
        backward = None
    choice = pick_output(variables, output=output, backward=backward, last_expression=last, assigned=roots)
    if choice is None:
        return None, None
    leaf_spans = {
        variables[name]: span
        for name, span in spans.items()
        if name in variables and _is_value_like(variables[name]) and not variables[name]._prev
    }
    model = read_graph(
        choice.value,
        names=variables,
        output_name=choice.name,
        prints=prints,
        spans=leaf_spans,
    )
    if choice.value is not backward:
        _backprop(model)
    note = None
    if check_gradients:
        try:
            model.gradient_check = check_leaf_gradients(model, limit=GRADIENT_CHECK_WORK)
        except GraphTooLarge as exc:
            note = f"Skipped for this graph: {exc}."
    # What the server's drawing of it collapses (engine.drawing, the same plan the server makes), so
    # the page knows which clusters are open when the student opens one more.
    add_folds(model, settings.max_render_nodes, settings.max_render_layout_nodes)
    try:
        collapsed = plan(model, settings.max_render_nodes, settings.max_render_layout_nodes).collapsed
    except DrawingTooLarge:
        collapsed = []
    return to_json(model, None, collapsed), note


def _backprop(model: Any) -> None:
    """Fill in every grad as d(output)/d(node) on the model itself, as ``output.backward()`` would.

    For an output the program did not call ``.backward()`` on (a chosen "Backprop from" variable,
    or a program without a backward pass): its own grads would belong to another output, or be 0.
    The program's Values are not touched. An op without a known derivative passes nothing back.
    """
    grads = [0.0] * len(model.nodes)
    grads[int(model.output[1:])] = 1.0
    into: list[list[Any]] = [[] for _ in model.nodes]
    for edge in model.edges:
        into[int(edge.target[1:])].append(edge)
    for node in reversed(model.nodes):
        g = grads[node.topo_index]
        for edge in into[node.topo_index]:
            if edge.local_grad is not None:
                edge.contribution = g * edge.local_grad
                grads[int(edge.source[1:])] += edge.contribution
    for node, g in zip(model.nodes, grads):
        node.grad = g


def run(source: str, output: str | None = None, check_gradients: bool = True) -> str:
    """Run a program; the JSON the page reads:

    ``{"graph": <graph JSON> | null, "prints": [{"line", "text"}], "error": {"message", "line",
    "column", "kind"} | null, "gradient_check_note": str | null, "timings": {"run_ms", "read_ms"}}``.
    ``error.kind`` is "program" (its line and column say where), "output" (the chosen output is not
    a variable) or "graph" (it cannot be read or is over a limit). No graph and no error: the
    program made nothing to draw.
    """
    from engine.graph import GraphTooLarge
    from engine.reader import GraphReadError, OutputError
    from engine.settings import settings

    started = time.perf_counter()
    prints = _Prints(settings.max_print_chars)
    answer: dict[str, Any] = {"graph": None, "prints": [], "error": None, "gradient_check_note": None}
    try:
        namespace, last, backward, spans = _execute(source, prints)
    except ProgramError as exc:
        answer["error"] = {"message": exc.message, "line": exc.line, "column": exc.column, "kind": "program"}
        namespace = None
    lines = prints.finish()
    answer["prints"] = [{"line": line, "text": text} for line, text in lines]
    ran = time.perf_counter()
    if namespace is not None:
        try:
            graph, note = _describe(namespace, output, last, backward, spans, lines, check_gradients)
            answer["graph"], answer["gradient_check_note"] = graph, note
        except OutputError as exc:
            answer["error"] = {"message": str(exc), "line": None, "column": None, "kind": "output"}
        except (GraphReadError, GraphTooLarge) as exc:
            answer["error"] = {"message": str(exc), "line": None, "column": None, "kind": "graph"}
    answer["timings"] = {
        "run_ms": round((ran - started) * 1000, 2),
        "read_ms": round((time.perf_counter() - ran) * 1000, 2),
    }
    return json.dumps(answer, allow_nan=False)
