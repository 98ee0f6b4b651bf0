"""The reference programs (../shared/reference): micrograd's README as text and as code.

The text is pasted verbatim, as a student would; the function runs the same program with any
``Value`` class (ours or micrograd's), so tests compare with the real thing, not copied numbers.
"""

from __future__ import annotations

README_SOURCE = """from micrograd.engine import Value

a = Value(-4.0)
b = Value(2.0)
c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f
print(f'{g.data:.4f}') # prints 24.7041, the outcome of this forward pass
g.backward()
print(f'{a.grad:.4f}') # prints 138.8338, i.e. the numerical value of dg/da
print(f'{b.grad:.4f}') # prints 645.5773, i.e. the numerical value of dg/db
"""


def readme_program(value_class, a0: float = -4.0):
    """The README program run with ``value_class``: (a, b, g), before ``g.backward()``."""
    a = value_class(a0)
    b = value_class(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return a, b, g
