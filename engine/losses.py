"""Per-sample losses, target encodings and regularization, all built from ``Value`` ops.

Every loss is written for one datapoint, so the same function builds the eager graph of a
training step and the one-sample graph that a compiled executor captures and replays.
Targets may be plain floats or ``Value`` leaves (placeholders), which is why no loss uses a
constant computed from the data (such as a max-shift): it would be baked into a capture.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.value import Value

LOSSES = ("mse", "hinge", "bce", "softmax_ce")
REGULARIZATIONS = ("none", "l1", "l2")

Scalar = Value | float


def n_outputs(loss: str, n_classes: int) -> int:
    """How many outputs the model needs for ``loss`` on ``n_classes`` classes."""
    return n_classes if loss == "softmax_ce" else 1


def encode_target(loss: str, label: float, n_classes: int) -> list[float]:
    """The numbers a loss compares the model's outputs with, for class index ``label``.

    A regression set (``n_classes`` 0) has a value instead of a class: the target is that value.
    """
    if n_classes == 0:
        return [float(label)]
    if loss == "softmax_ce":
        return [1.0 if k == label else 0.0 for k in range(n_classes)]
    if loss == "bce":
        return [float(label)]
    return [1.0 if label == 1 else -1.0]  # hinge and mse use ±1, like the micrograd demo


def predicted_class(loss: str, scores: Sequence[float]) -> int:
    """The class a model's outputs vote for."""
    if loss == "softmax_ce":
        return max(range(len(scores)), key=scores.__getitem__)
    return 1 if scores[0] > 0 else 0


def _abs(x: Value) -> Value:
    """|x| from relu, with gradient 0 at 0 (the subgradient an L1 penalty usually takes)."""
    return x.relu() + (-x).relu()


def sample_loss(loss: str, scores: Sequence[Value], target: Sequence[Scalar]) -> Value:
    """The loss of one datapoint with model outputs ``scores`` and encoded ``target``."""
    if loss == "hinge":  # the micrograd demo's max-margin loss, written as it writes it
        return (1 + -target[0] * scores[0]).relu()
    if loss == "mse":
        return sum(((s - t) ** 2 for s, t in zip(scores, target)), Value(0.0)) * (1.0 / len(scores))
    if loss == "bce":
        # log(1 + exp(-|s|)) + max(s, 0) - t*s: binary cross-entropy on the logit s, which
        # never takes the log of 0 however large |s| grows.
        s, t = scores[0], target[0]
        return (1 + (-_abs(s)).exp()).log() + s.relu() - t * s
    if loss == "softmax_ce":
        # log(sum exp(s_k)) - sum t_k s_k; unshifted (see module docstring), so logits beyond
        # ~700 overflow to inf, which the IEEE policy of Value reports instead of raising.
        log_sum_exp = sum((s.exp() for s in scores), Value(0.0)).log()
        return log_sum_exp - sum((t * s for s, t in zip(scores, target)), Value(0.0))
    raise ValueError(f"loss must be one of {', '.join(LOSSES)}, not {loss!r}")


def regularization(kind: str, params: Sequence[Value], strength: float) -> Value:
    """``strength`` times the L2 (sum p²) or L1 (sum |p|) norm of ``params``; 0 for 'none'."""
    if kind == "l2":
        return strength * sum(p * p for p in params)
    if kind == "l1":
        return strength * sum(_abs(p) for p in params)
    if kind == "none":
        return Value(0.0)
    raise ValueError(f"regularization must be one of {', '.join(REGULARIZATIONS)}, not {kind!r}")
