"""How much work an eager computation is, counted before it starts.

The eager executor builds one ``Value`` per scalar operation, so its time is proportional to the
nodes it creates: about one forward pass's worth per point, three times that for a training step
(the graph, the backward pass, the update). The compiled executor is vectorized and far cheaper, so
only eager work is budgeted (``Settings.max_eager_work``): a request over the budget is refused
with the numbers, or coarsened where a coarser answer is as good (a live boundary picture).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

STEP_FACTOR = 3  # build the graph, walk it backwards, update: about three forward passes


def forward_nodes(layer_sizes: Sequence[int]) -> int:
    """Values one point's forward pass creates: per neuron a product and a sum per input, the activation."""
    return sum(nout * (2 * nin + 1) for nin, nout in itertools.pairwise(layer_sizes))


def step_work(layer_sizes: Sequence[int], batch: int, n_train: int, n_test: int) -> int:
    """Scalar operations of one eager training step and its metrics.

    The batch is trained on; a mini-batch step also predicts the whole training set (its accuracy)
    and every step predicts the test split (its loss and accuracy).
    """
    per_point = forward_nodes(layer_sizes)
    predicted = (n_train if batch < n_train else 0) + n_test
    return per_point * (STEP_FACTOR * batch + predicted)


def check_eager_step(layer_sizes: Sequence[int], batch: int, n_train: int, n_test: int, budget: int) -> None:
    """ValueError (with the numbers) if one eager step of this network is over ``budget``."""
    cost = step_work(layer_sizes, batch, n_train, n_test)
    if cost > budget:
        raise ValueError(
            f"executor: one eager step of this network on {batch} points is about {cost:,} scalar "
            f"operations, more than max_eager_work ({budget:,}); use executor 'auto' "
            "(compiled), fewer points, a smaller batch_size or smaller layers"
        )


def boundary_work(layer_sizes: Sequence[int], resolution: int) -> int:
    """Scalar operations of a ``resolution`` x ``resolution`` decision-boundary grid."""
    return forward_nodes(layer_sizes) * resolution * resolution


def max_resolution(layer_sizes: Sequence[int], budget: int) -> int:
    """The finest boundary grid within ``budget`` (0 if not even one cell fits)."""
    return math.isqrt(budget // max(1, forward_nodes(layer_sizes)))
