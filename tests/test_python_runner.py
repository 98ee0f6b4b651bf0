"""Python mode's runner (static/py/playground_runner.py) in CPython, loaded from the bundle the browser gets.

The runner runs only in the browser's Pyodide; here the same files (``GET /pyodide/bundle.zip``,
unpacked) run in a separate CPython whose path starts with the bundle, so ``micrograd`` is the
bundle's shim, and numpy, graphviz and the web framework cannot be imported at all (the browser
has none of them). Each lecture-style program is also run as plain CPython with the real
``micrograd`` package, and the two must give the same numbers and the same prints.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import math
import re
import subprocess
import sys
import zipfile
from typing import Any

import pytest

from app.routes.pyodide import ENGINE_MODULES, bundle
from tests.python_mode_programs import PROGRAMS, Program

# Run in a fresh interpreter: the bundle first on the path, and what the browser lacks unimportable.
DRIVER = """
import json, sys
sys.path.insert(0, sys.argv[1])
BLOCKED = {"numpy", "graphviz", "fastapi", "pydantic", "starlette", "torch", "app"}
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"{name} is not in the browser")
sys.meta_path.insert(0, Blocked())
import playground_runner as runner
runner.install()
import micrograd.engine
assert micrograd.engine.__file__.startswith(sys.argv[1]), micrograd.engine.__file__
jobs = json.load(sys.stdin)
print(json.dumps([json.loads(runner.run(source, output)) for source, output in jobs]))
"""


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory):
    data, _ = bundle()
    path = tmp_path_factory.mktemp("bundle")
    zipfile.ZipFile(io.BytesIO(data)).extractall(path)
    return path


def run_in_bundle(bundle_dir, jobs: list[tuple[str, str | None]]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(bundle_dir)],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        cwd=bundle_dir,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def answers(bundle_dir) -> dict[str, dict[str, Any]]:
    """Every lecture-style program run once by the runner, by name."""
    results = run_in_bundle(bundle_dir, [(p.source, None) for p in PROGRAMS])
    return {p.name: answer for p, answer in zip(PROGRAMS, results)}


def reference(program: Program) -> tuple[dict[str, Any], list[str]]:
    """The program as plain CPython with the real micrograd package: its namespace and printed lines.

    A bare expression at the end is shown under the cell, as a notebook does (unless it is a Value
    or a drawing).
    Trusted test programs: this is the test process, never the server.
    """
    tree = ast.parse(program.source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    namespace: dict[str, Any] = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tree, "<reference>", "exec"), namespace)
        value = eval(compile(ast.Expression(last.value), "<reference>", "eval"), namespace) if last else None
    lines = out.getvalue().splitlines()
    drawing = last is not None and "draw_dot" in ast.unparse(last.value)  # a notebook shows the graph
    if value is not None and not hasattr(value, "_prev") and not drawing:
        lines.append(repr(value))
    return namespace, lines


def close(a: float, b: float) -> bool:
    """Equal up to the order of float additions: the lecture's ``_prev`` is a set, so two runs of
    one program may add the same gradients in another order (id-based hashes), as micrograd does."""
    return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


def same_prints(got: list[str], want: list[str]) -> bool:
    """The same lines, numbers compared with ``close``."""
    if len(got) != len(want):
        return False
    for a, b in zip(got, want):
        if NUMBER.sub("#", a) != NUMBER.sub("#", b):
            return False
        if not all(close(float(x), float(y)) for x, y in zip(NUMBER.findall(a), NUMBER.findall(b))):
            return False
    return True


def test_there_are_the_28_kinds_of_programs_the_server_refuses():
    assert len(PROGRAMS) == 28
    assert len({p.name for p in PROGRAMS}) == 28


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_program_gives_micrograds_numbers(program: Program, answers):
    answer = answers[program.name]
    assert answer["error"] is None, answer["error"]
    namespace, printed = reference(program)
    got = [p["text"] for p in answer["prints"]]
    assert same_prints(got, printed), (got, printed)
    graph = answer["graph"]
    if program.output is None:
        assert graph is None
        return
    (out,) = [n for n in graph["nodes"] if n["is_output"]]
    assert out["name"] == program.output
    expected = namespace[program.output]
    assert close(out["data"], expected.data)
    by_name = {n["name"]: n for n in graph["nodes"] if n["name"]}
    for name in program.compare:
        value, node = namespace[name], by_name[name]
        assert close(node["data"], value.data), (name, node["data"], value.data)
        assert close(node["grad"], value.grad), (name, node["grad"], value.grad)
    # The gradient check ran, or says why not (over the browser's budget for it).
    assert graph["gradient_check"] or "Skipped for this graph" in answer["gradient_check_note"]


def test_the_lecture_neuron_reads_o_and_x1_grad(answers):
    graph = answers["lecture_neuron"]["graph"]
    nodes = {n["label"]: n for n in graph["nodes"]}
    assert f"{nodes['o']['data']:.4f}" == "0.7071"
    assert f"{nodes['x1']['grad']:.4f}" == "-1.5000"
    assert all(c["ok"] for c in graph["gradient_check"])


def test_a_plus_a_from_a_set_is_one_edge_with_two_slots(answers):
    graph = answers["a_plus_a"]["graph"]
    (edge,) = graph["edges"]
    assert edge["slots"] == 2 and edge["local_grad"] == 2.0


def test_backprop_from_another_output_recomputes_the_grads(bundle_dir):
    source = "a = Value(2.0)\nb = Value(3.0)\nc = a * b\nd = c + a\nd.backward()\n"
    from_d, from_c = run_in_bundle(bundle_dir, [(source, None), (source, "c")])
    grads = lambda answer: {n["name"]: n["grad"] for n in answer["graph"]["nodes"]}  # noqa: E731
    assert grads(from_d)["a"] == 4.0  # d = a*b + a: the program's own backward
    assert grads(from_c)["a"] == 3.0 and grads(from_c)["c"] == 1.0  # dc/da = b, from c


def test_a_program_without_backward_gets_its_grads_from_the_output(bundle_dir):
    (answer,) = run_in_bundle(bundle_dir, [("x = Value(3.0)\ny = x * x\n", None)])
    grads = {n["name"]: n["grad"] for n in answer["graph"]["nodes"]}
    assert grads == {"x": 6.0, "y": 1.0}


def test_lab_mode_programs_run_unchanged(bundle_dir):
    """Value, MLP and the op functions are there without imports, as in the server's language."""
    source = "a = Value(-1.0)\nb = tanh(a) + relu(a) + exp(a) + sigmoid(a) + log(Value(2.0))\n"
    (answer,) = run_in_bundle(bundle_dir, [(source, None)])
    assert answer["error"] is None
    expected = math.tanh(-1) + 0 + math.exp(-1) + 1 / (1 + math.exp(1)) + math.log(2)
    (out,) = [n for n in answer["graph"]["nodes"] if n["is_output"]]
    assert close(out["data"], expected)


ERRORS = [
    ("import numpy as np\n", 1, "numpy is not available in the browser"),
    ("import torch\n", 1, "torch (PyTorch) is not available in the browser"),
    ("x = 1\nimport matplotlib.pyplot as plt\n", 2, "matplotlib is not available in the browser"),
    ("x = (1 +\n", 1, "SyntaxError"),
    ("a = 1\nb = 0\nc = a / b\n", 3, "ZeroDivisionError: division by zero"),
    ("def f(x):\n    return x.nope\nf(Value(1.0))\n", 2, "AttributeError"),
]


@pytest.mark.parametrize(("source", "line", "message"), ERRORS, ids=[e[2].split()[0] for e in ERRORS])
def test_a_failing_program_says_what_and_where(bundle_dir, source, line, message):
    (answer,) = run_in_bundle(bundle_dir, [(source, None)])
    error = answer["error"]
    assert error["kind"] == "program" and error["line"] == line
    assert error["message"].startswith(message), error["message"]
    assert error["column"] is not None and error["column"] >= 1


def test_runtime_error_column_points_at_the_expression(bundle_dir):
    (answer,) = run_in_bundle(bundle_dir, [("a = 1\nb = 0\nc = a / b\n", None)])
    assert answer["error"]["column"] == 5  # "a / b" starts at column 5


def test_prints_have_their_lines_and_are_kept_before_an_error(bundle_dir):
    source = "print('one')\nfor i in range(2):\n    print(i, end=' ')\nprint()\nraise ValueError('stop')\n"
    (answer,) = run_in_bundle(bundle_dir, [(source, None)])
    assert [(p["line"], p["text"]) for p in answer["prints"]] == [(1, "one"), (3, "0 1 ")]
    assert answer["error"]["message"] == "ValueError: stop" and answer["error"]["line"] == 5


def test_output_that_is_not_a_variable_is_an_output_error(bundle_dir):
    (answer,) = run_in_bundle(bundle_dir, [("a = Value(1.0)\n", "nope")])
    assert answer["error"]["kind"] == "output" and "nope" in answer["error"]["message"]


def test_nudgeable_leaves_have_the_span_of_their_call(bundle_dir):
    (answer,) = run_in_bundle(bundle_dir, [("x = Value(2.0)\ny = Value(-3.5, label='y')\nz = x * y\n", None)])
    spans = {n["name"]: n["span"] for n in answer["graph"]["nodes"] if n["is_leaf"]}
    assert spans["x"] == {"line": 1, "column": 5, "end_line": 1, "end_column": 15}
    assert spans["y"]["line"] == 2 and spans["y"]["column"] == 5


def test_the_last_backward_call_picks_the_output(bundle_dir):
    source = "a = Value(1.0)\nb = a * 2\nc = b + 1\nb.backward()\nd = c * 3\n"
    (answer,) = run_in_bundle(bundle_dir, [(source, None)])
    (out,) = [n for n in answer["graph"]["nodes"] if n["is_output"]]
    assert out["name"] == "b"


def test_bundle_holds_the_engine_modules_the_shim_and_the_runner():
    data, etag = bundle()
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert {f"engine/{m}" for m in ENGINE_MODULES} <= names
    assert {
        "micrograd/__init__.py",
        "micrograd/engine.py",
        "micrograd/nn.py",
        "playground_runner.py",
    } <= names
    assert etag.startswith('"') and len(etag) > 10


def test_a_set_prev_graph_reads_the_same_every_run(bundle_dir):
    """The lecture's _prev is a set (address order): read twice, its nodes still get the same ids,
    so a nudge updates the drawing in place instead of redrawing it."""
    program = next(p for p in PROGRAMS if p.name == "lecture_neuron")
    first, second = run_in_bundle(bundle_dir, [(program.source, None), (program.source, None)])
    ids = lambda answer: [(n["id"], n["label"]) for n in answer["graph"]["nodes"]]  # noqa: E731
    assert ids(first) == ids(second)
    assert [(e["source"], e["target"]) for e in first["graph"]["edges"]] == [
        (e["source"], e["target"]) for e in second["graph"]["edges"]
    ]


def test_a_big_graph_says_what_the_servers_drawing_collapses(answers):
    """The lecture's loop (398 values) is over the render limit: the runner plans the drawing as the
    server will, so the page knows which clusters are open when a student opens one more."""
    graph = answers["training_loop_20"]["graph"]
    assert graph["clusters"] and graph["collapsed"]
    assert set(graph["collapsed"]) <= {c["id"] for c in graph["clusters"]}
    assert answers["lecture_neuron"]["graph"]["collapsed"] == []
