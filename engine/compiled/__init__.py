"""The fast path: capture one sample's ``Value`` graph, replay it over the whole batch with numpy.

Design
------
``EagerExecutor`` builds a graph of ~7,000 nodes per demo step (100 points through a 2-16-16-1
MLP) and walks it twice in Python. But every sample's graph has the same shape; only the leaves'
numbers differ. So ``CompiledExecutor``:

1. **captures** the graph of ONE sample once per *structure* (layer sizes, activations, loss,
   regularization, target width): inputs, targets and the regularization strength are placeholder
   leaves, the model's own parameters are the parameter leaves (``capture.py``);
2. **recovers structure** from that graph instead of replaying it node by node: each neuron's
   ``b + w0*x0 + w1*x1 + ...`` chain becomes a row of a matrix multiply, neurons reading the same
   inputs become one ``X @ W.T + b``, every other ``sum()`` chain becomes one reduction, and the
   rest (activations, loss terms, the penalty) is level-scheduled so that same-op nodes of one
   level run as one vectorized numpy op. Any op or shape it does not know is a ``CaptureError``;
3. **replays** the program with the batch on axis 0 (``program.py``): forward, then a reverse pass
   that applies the same local derivatives as ``Value.local_grads``, sums parameter gradients over
   the batch and seeds the loss with 1/B and the penalty with 1, exactly as ``batch_loss`` does;
4. **verifies** every fresh capture: a copy of the model with random parameters runs a random probe
   batch through ``EagerExecutor`` and through the program; if any loss, gradient or score differs
   by more than 1e-9 relative, the capture is refused (``CaptureError``) and the caller falls back
   to eager. ``supports()`` only admits engine.nn's own MLP/Layer/Neuron classes, whose graphs have
   no data-dependent steps, so a graph captured on one sample is every sample's graph.

Why the numbers equal eager's: each node is computed by the same float64 operation in the same
IEEE 754 arithmetic (``x * y``, ``x + y``; ``np.exp``/``np.log``/``np.tanh``/``np.power`` agree with
the ``math`` functions to an ulp; relu's ``<= 0`` and sigmoid's two branches are Value's, so nan and
inf travel the same way). What changes is the *order* of some sums: a dot product (BLAS, possibly
with fused multiply-adds), a ``sum()`` chain (numpy's pairwise sum) and each parameter's sum over
the batch. That moves results by a few ulps of the terms summed: within 1e-9 relative (observed
~1e-14 at worst), or ~1e-17 absolute for a gradient whose terms cancel to about 0. Only finite
values near the float maximum can differ more: whether their sum overflows depends on its order.
tests/test_compiled.py checks all of this on random architectures, activations, losses,
penalties, batch sizes and inf/nan inputs.
"""

from engine.compiled.capture import CaptureError
from engine.compiled.executor import CompiledExecutor

__all__ = ["CaptureError", "CompiledExecutor"]
