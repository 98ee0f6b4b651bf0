"""``micrograd`` in the playground's Python mode: Backprop Lab's engine under micrograd's names.

Loaded only into Pyodide in the browser (never on the server's path), so programs written for
the ``micrograd`` package run unchanged, with ``tanh``, ``exp``, ``log`` and ``sigmoid`` besides.
"""

from micrograd import engine, nn

__all__ = ["engine", "nn"]
