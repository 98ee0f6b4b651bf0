"""``from engine import draw_dot`` in a real Jupyter kernel, on the real micrograd package's Values."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from tests.conftest import ROOT

CELLS = [
    "from micrograd.engine import Value\nfrom micrograd.nn import MLP\nfrom engine import draw_dot\n"
    "import random\nrandom.seed(1337)",
    "xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]\n"
    "ys = [1.0, -1.0, -1.0, 1.0]\nn = MLP(3, [4, 4, 1])",
    "for k in range(10):\n"
    "    ypred = [n(x) for x in xs]\n"
    "    loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))\n"
    "    n.zero_grad()\n"
    "    loss.backward()\n"
    "    for p in n.parameters():\n"
    "        p.data += -0.05 * p.grad\n"
    "print(f'{loss.data:.6f}')",
    "draw_dot(loss)",
]


def test_notebook_trains_with_micrograd_and_displays_draw_dot():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": ROOT}}
    ).execute()
    printed = notebook.cells[2].outputs[0]["text"]
    assert float(printed) >= 0
    (shown,) = notebook.cells[3].outputs
    svg = shown["data"]["image/svg+xml"]
    assert svg.count('class="node value') > 100  # the whole loss graph, one record per Value
    assert f"data {float(printed):.4f}" in svg  # the loss node shows the printed loss
