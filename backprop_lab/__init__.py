"""Backprop Lab in a notebook or a script, with one import line::

    from backprop_lab import Value, MLP, draw_dot, Trainer

Why a package of its own: the implementation lives in the repository's ``engine/`` and ``app/``,
names too common to install at the top level (a student's own ``engine.py`` next to the notebook,
or another distribution's ``app/``, would hide them or be hidden). So the wheel installs only
``backprop_lab``, with the implementation inside it as ``backprop_lab.engine`` and
``backprop_lab.app`` and the pages' ``templates/`` and ``static/`` as its package data
(``hatch_build.py`` nests them and rewrites their ``engine``/``app`` imports at build time). In a
source checkout this module imports the same objects from the repository's folders.
"""

from engine import draw_dot
from engine.nn import MLP, Layer, Neuron
from engine.train import TrainConfig, Trainer
from engine.value import Value

__version__ = "0.1.0"
__all__ = ["MLP", "Layer", "Neuron", "TrainConfig", "Trainer", "Value", "__version__", "draw_dot"]
