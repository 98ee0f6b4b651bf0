"""Backprop Lab in a notebook or a script, with one import line::

    from backprop_lab import Value, MLP, draw_dot, Trainer

Why a package of its own: the implementation lives in the repository's ``engine/`` and ``app/``,
names too common to install at the top level (a student's own ``engine.py`` next to the notebook,
or another distribution's ``app/``, would hide them or be hidden). So the wheel installs only
``backprop_lab``, with the implementation inside it as ``backprop_lab.engine`` and
``backprop_lab.app`` and the pages' ``templates/`` and ``static/`` as its package data
(``hatch_build.py`` nests them and rewrites their ``engine``/``app`` imports at build time). In a
source checkout (``make run``'s editable install) this module imports the same objects from the
repository's folders, which are top-level names there: a student's ``engine.py`` in the folder a
notebook runs in comes first on ``sys.path`` and would be imported instead, so that is checked first
and said plainly.
"""

from importlib.util import find_spec
from pathlib import Path

__version__ = "0.1.0"


def check_checkout_names(*names: str) -> None:
    """In a source checkout, fail with a clear message when another module takes one of ``names``."""
    here = Path(__file__).resolve().parent
    if (here / "engine").is_dir():
        return  # the installed wheel: engine and app are nested here, nothing can hide them
    for name in names:
        spec = find_spec(name)
        origin = Path(spec.origin).resolve() if spec is not None and spec.origin else None
        if origin != here.parent / name / "__init__.py":
            raise ImportError(
                f"{origin or 'a namespace package'} hides Backprop Lab's own {name!r} package "
                f"(a source checkout at {here.parent} imports it by that top-level name). Rename yours, "
                "or install the wheel (`pip install .` from the checkout): it nests everything under "
                "backprop_lab, where nothing can hide it."
            )


check_checkout_names("engine")  # a notebook needs no app: a Flask app.py beside it is fine

from engine import draw_dot  # noqa: E402  (after the check, which explains a hidden engine)
from engine.nn import MLP, Layer, Neuron  # noqa: E402
from engine.train import TrainConfig, Trainer  # noqa: E402
from engine.value import Value  # noqa: E402

__all__ = ["MLP", "Layer", "Neuron", "TrainConfig", "Trainer", "Value", "__version__", "draw_dot"]
