"""Lecture-style programs the server's language refuses and Python mode runs (issue 9's 28 kinds).

Written from /work/shared/reference/lecture.md as a student pastes them: the lecture's own
``class Value`` with ``_backward`` closures and ``_prev`` as a set, its ``Neuron``/``Layer``/``MLP``,
``def f(x)``, ``build_topo``, ``while``, ``if``/``break``, comparisons, ``random.seed(1337)``,
``list.append``, training loops, and the micrograd package's own imports. Each comes with the
variable that should be drawn and the variables whose data and grad are compared with a plain
CPython run of the same text (with the real ``micrograd`` package installed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.lecture_programs import LECTURE_DATA as DATA
from tests.lecture_programs import LECTURE_LOOP, LECTURE_NEURON, LECTURE_NN, LECTURE_VALUE
from tests.reference_programs import README_SOURCE

# The neuron up to n (the cells differ in how they make o from it).
NEURON_N = LECTURE_NEURON.split("o = n.tanh()")[0]


@dataclass
class Program:
    name: str
    source: str
    output: str | None  # the variable the runner should draw (None: nothing to draw)
    compare: list[str] = field(default_factory=list)  # variables whose data and grad must match


PROGRAMS: list[Program] = [
    Program(
        "lecture_neuron",
        LECTURE_VALUE + LECTURE_NEURON,
        "o",
        ["x1", "x2", "w1", "w2", "b", "n"],
    ),
    Program(
        "lecture_neuron_exp",
        LECTURE_VALUE
        + NEURON_N
        + "# ----\ne = (2*n).exp()\no = (e - 1) / (e + 1)\n# ----\no.label = 'o'\no.backward()\n",
        "o",
        ["x1", "x2", "w1", "w2", "b", "n", "e"],
    ),
    Program(
        "manual_backward",
        LECTURE_VALUE
        + NEURON_N
        + "o = n.tanh(); o.label = 'o'\n"
        + "o.grad = 1.0\no._backward()\nn._backward()\nb._backward()\nx1w1x2w2._backward()\n"
        + "x2w2._backward()\nx1w1._backward()\no\n",
        "o",
        ["x1", "w1", "n"],
    ),
    Program(
        "build_topo_by_hand",
        LECTURE_VALUE
        + NEURON_N
        + "o = n.tanh(); o.label = 'o'\n"
        + "topo = []\nvisited = set()\ndef build_topo(v):\n  if v not in visited:\n    visited.add(v)\n"
        + "    for child in v._prev:\n      build_topo(child)\n    topo.append(v)\nbuild_topo(o)\n"
        + "o.grad = 1.0\nfor node in reversed(topo):\n    node._backward()\nprint(len(topo))\n",
        "o",
        ["x1", "x2", "w1", "b"],
    ),
    Program(
        "def_f",
        "import math\n" + "def f(x):\n  return 3*x**2 - 4*x + 5\nf(3.0)\n",
        None,
    ),
    Program(
        "numerical_slope",
        "def f(x):\n  return 3*x**2 - 4*x + 5\nh = 0.000001\nx = 2/3\n(f(x + h) - f(x))/h\n",
        None,
    ),
    Program(
        "slope_of_d",
        "h = 0.0001\n\n# inputs\na = 2.0\nb = -3.0\nc = 10.0\n\nd1 = a*b + c\nc += h\nd2 = a*b + c\n\n"
        "print('d1', d1)\nprint('d2', d2)\nprint('slope', (d2 - d1)/h)\n",
        None,
    ),
    Program(
        "first_value_cells",
        LECTURE_VALUE
        + "a = Value(2.0, label='a')\nb = Value(-3.0, label='b')\nc = Value(10.0, label='c')\n"
        + "e = a*b; e.label = 'e'\nd = e + c; d.label = 'd'\nf = Value(-2.0, label='f')\n"
        + "L = d * f; L.label = 'L'\nL.backward()\nL\n",
        "L",
        ["a", "b", "c", "d", "e", "f"],
    ),
    Program(
        "a_plus_a",
        LECTURE_VALUE
        + "a = Value(3.0, label='a')\nb = a + a   ; b.label = 'b'\nb.backward()\nprint(a.grad)\n",
        "b",
        ["a"],
    ),
    Program(
        "shared_node",
        LECTURE_VALUE
        + "a = Value(-2.0, label='a')\nb = Value(3.0, label='b')\nd = a * b    ; d.label = 'd'\n"
        + "e = a + b    ; e.label = 'e'\nf = d * e    ; f.label = 'f'\n\nf.backward()\n",
        "f",
        ["a", "b", "d", "e"],
    ),
    Program(
        "radd_rmul_div",
        LECTURE_VALUE
        + "a = Value(2.0)\nb = Value(4.0)\nc = 2 * a + 1\nd = a / b - c\ne = 1 + d\n"
        + "q = e.exp() ** 2\nq.backward()\n",
        "q",
        ["a", "b", "c", "d", "e"],
    ),
    Program(
        "one_neuron_forward",
        LECTURE_VALUE
        + LECTURE_NN
        + "random.seed(1337)\nx = [2.0, 3.0, -1.0]\nn = Neuron(3)\nout = n(x)\nout.backward()\n",
        "out",
    ),
    Program(
        "mlp_forward",
        LECTURE_VALUE
        + LECTURE_NN
        + "random.seed(1337)\nx = [2.0, 3.0, -1.0]\nn = MLP(3, [4, 4, 1])\ny = n(x)\ny.backward()\n"
        + "print(len(n.parameters()))\n",
        "y",
    ),
    Program(
        "training_loop_20",
        LECTURE_VALUE + LECTURE_NN + "random.seed(1337)\nn = MLP(3, [4, 4, 1])\n" + DATA + LECTURE_LOOP,
        "loss",
    ),
    Program(
        "training_forgot_zero_grad",
        LECTURE_VALUE
        + LECTURE_NN
        + "random.seed(1337)\nn = MLP(3, [4, 4, 1])\n"
        + DATA
        + """
for k in range(5):
  ypred = [n(x) for x in xs]
  loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))
  loss.backward()
  for p in n.parameters():
    p.data += -0.05 * p.grad
  print(k, loss.data)
""",
        "loss",
    ),
    Program(
        "training_if_break",
        LECTURE_VALUE
        + LECTURE_NN
        + "random.seed(1337)\nn = MLP(3, [4, 4, 1])\n"
        + DATA
        + """
for k in range(200):
  ypred = [n(x) for x in xs]
  loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))
  if loss.data < 0.01:
    break
  for p in n.parameters():
    p.grad = 0.0
  loss.backward()
  for p in n.parameters():
    p.data += -0.1 * p.grad
print('stopped at step', k, 'with loss', loss.data)
""",
        "loss",
    ),
    Program(
        "training_while",
        LECTURE_VALUE
        + LECTURE_NN
        + "random.seed(1337)\nn = MLP(3, [4, 4, 1])\n"
        + DATA
        + """
k = 0
loss = Value(1.0)
while loss.data > 0.05 and k < 100:
  ypred = [n(x) for x in xs]
  loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))
  for p in n.parameters():
    p.grad = 0.0
  loss.backward()
  for p in n.parameters():
    p.data -= 0.1 * p.grad
  k += 1
print(k, loss.data)
""",
        "loss",
    ),
    Program(
        "loss_list_append",
        LECTURE_VALUE
        + LECTURE_NN
        + "random.seed(1337)\nn = MLP(3, [4, 4, 1])\n"
        + DATA
        + """
loss_list = []
for k in range(10):
  ypred = [n(x) for x in xs]
  loss = sum([(yout - ygt)**2 for ygt, yout in zip(ys, ypred)])
  loss_list.append(loss.data)
  for p in n.parameters():
    p.grad = 0.0
  loss.backward()
  for p in n.parameters():
    p.data += -0.05 * p.grad
print(loss_list)
print(ypred)
""",
        "loss",
    ),
    Program(
        "comparisons",
        LECTURE_VALUE
        + "a = Value(2.0, label='a')\nb = Value(-3.0, label='b')\nc = a * b if a.data > b.data else a + b\n"
        + "c.label = 'c'\nprint(a.data > b.data, c.data <= -6, a.data == 2.0)\nc.backward()\n",
        "c",
        ["a", "b"],
    ),
    Program(
        "lecture_classes_with_micrograd_value",
        "from micrograd.engine import Value\n"
        + LECTURE_NN.replace("out = act.tanh()", "out = act.relu()")
        + "random.seed(1337)\nx = [2.0, 3.0, -1.0]\nn = MLP(3, [4, 4, 1])\nout = n(x)\nout.backward()\n",
        "out",
    ),
    Program(
        "micrograd_readme",
        README_SOURCE,
        "g",
        ["a", "b", "c", "d", "e", "f"],
    ),
    Program(
        "micrograd_mlp_package",
        "import random\nfrom micrograd.nn import Neuron, Layer, MLP\nfrom micrograd.engine import Value\n"
        + "random.seed(1337)\nmodel = MLP(2, [16, 16, 1])\nprint(model)\n"
        + "print('number of parameters', len(model.parameters()))\n"
        + "x = [Value(1.0), Value(-2.0)]\nscore = model(x)\n"
        + "loss = (1 + -1.0 * score).relu()\nmodel.zero_grad()\nloss.backward()\n",
        "loss",
        ["score"],
    ),
    Program(
        "micrograd_training_package",
        "import random\nfrom micrograd.engine import Value\nfrom micrograd import nn\nrandom.seed(1337)\n"
        + "model = nn.MLP(3, [4, 4, 1])\n"
        + DATA
        + """
for k in range(20):
    scores = [model(x) for x in xs]
    losses = [(1 + -yi*si).relu() for yi, si in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (si.data > 0) for yi, si in zip(ys, scores)]
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    if k % 5 == 0:
        print(f"step {k} loss {total_loss.data}, accuracy {sum(accuracy)/len(accuracy)*100}%")
""",
        "total_loss",
        ["data_loss", "reg_loss"],
    ),
    Program(
        "import_micrograd_module",
        "import micrograd\nimport micrograd.engine\nx = micrograd.engine.Value(3.0)\ny = x * x + x\n"
        + "y.backward()\nprint(isinstance(y, micrograd.engine.Value))\n",
        "y",
        ["x"],
    ),
    Program(
        "own_module_base_class",
        LECTURE_VALUE
        + """import random
random.seed(1337)

class Module:
    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0

    def parameters(self):
        return []

class Neuron(Module):
    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1,1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi*xi for wi,xi in zip(self.w, x)), self.b)
        return act.tanh() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return f"{'Tanh' if self.nonlin else 'Linear'}Neuron({len(self.w)})"

neuron = Neuron(2)
print(neuron)
act = neuron([Value(0.5, label='u'), Value(-1.5, label='v')])
neuron.zero_grad()
act.backward()
""",
        "act",
    ),
    Program(
        "dict_and_fstrings",
        LECTURE_VALUE
        + "params = {'w': Value(0.5, label='w'), 'b': Value(-1.0, label='b')}\nx = 3.0\n"
        + "pred = params['w'] * x + params['b']\nloss = (pred - 2.0) ** 2\nloss.backward()\n"
        + "for name, p in params.items():\n    print(f'{name}: data={p.data:.4f} grad={p.grad:.4f}')\n",
        "loss",
        ["pred"],
    ),
    Program(
        "try_except_and_assert",
        LECTURE_VALUE
        + "a = Value(2.0, label='a')\ntry:\n    a ** Value(2.0)\nexcept AssertionError as err:\n"
        + "    print('refused:', err)\nb = a ** 3\nassert b.data == 8.0\nb.backward()\n",
        "b",
        ["a"],
    ),
    Program(
        "draw_dot_cell",
        LECTURE_VALUE
        + """from graphviz import Digraph

def trace(root):
  # builds a set of all nodes and edges in a graph
  nodes, edges = set(), set()
  def build(v):
    if v not in nodes:
      nodes.add(v)
      for child in v._prev:
        edges.add((child, v))
        build(child)
  build(root)
  return nodes, edges

def draw_dot(root):
  dot = Digraph(format='svg', graph_attr={'rankdir': 'LR'}) # LR = left to right

  nodes, edges = trace(root)
  for n in nodes:
    uid = str(id(n))
    # for any value in the graph, create a rectangular ('record') node for it
    dot.node(name = uid, label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad), shape='record')
    if n._op:
      # if this value is a result of some operation, create an op node for it
      dot.node(name = uid + n._op, label = n._op)
      # and connect this node to it
      dot.edge(uid + n._op, uid)

  for n1, n2 in edges:
    # connect n1 to the op node of n2
    dot.edge(str(id(n1)), str(id(n2)) + n2._op)

  return dot
"""
        + NEURON_N
        + "o = n.tanh(); o.label = 'o'\nm = o * 2.0; m.label = 'm'\no.backward()\ndraw_dot(o)\n",
        "o",
        ["x1", "w1", "b"],
    ),
]
