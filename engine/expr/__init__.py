"""The expression language: micrograd-style Python, parsed with ``ast`` and run by walking the tree.

``run_program(source)`` checks a program against a whitelist of syntax and the limits in
``engine.settings``, runs it, picks its output Value and backpropagates from it. Nothing of the
source is ever compiled or executed as Python. See the README section "The expression language".
"""

from engine.expr.errors import ExprError, NothingToDraw, Span
from engine.expr.program import Program, run_program

__all__ = ["ExprError", "NothingToDraw", "Program", "Span", "run_program"]
