"""Neurons, layers and MLPs built from ``Value``s, with micrograd's ``nn.py`` signatures.

Additions: the activation is chosen by name (``relu``, ``tanh``, ``sigmoid``, ``linear``) and a
``seed`` makes two models built alike identical. ``nonlin=False`` still means linear, as in
micrograd, and ``MLP`` keeps micrograd's rule that the last layer is linear. ``MLP.lecture`` builds
the lecture's model instead: tanh in every layer, the last included, and biases drawn like weights.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from engine.value import Number, Value

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


class Module:
    """Something with parameters."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


class Neuron(Module):
    """``act(w · x + b)``; weights uniform in [-1, 1] and bias 0, as in micrograd."""

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        activation: str = "relu",
        rng: random.Random | None = None,
        random_bias: bool = False,
    ):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, not {activation!r}")
        rng = rng or random
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(rng.uniform(-1, 1) if random_bias else 0)  # the lecture's / micrograd's
        self.nonlin = nonlin
        self.activation = activation if nonlin else "linear"

    def __call__(self, x: Sequence[Value | Number]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        if self.activation == "linear":
            return act
        return getattr(act, self.activation)()

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def nodes_made(self, numbers: int) -> int:
        """The Values one call makes when ``numbers`` of its inputs are plain numbers: a product per
        input (and a leaf for each number, as ``Value.__mul__`` makes one), a sum per input (starting
        from ``b``), and the activation. Exact (tests/test_nn.py walks the graph to check)."""
        return 2 * len(self.w) + numbers + (self.activation != "linear")

    def __repr__(self) -> str:
        kind = {"relu": "ReLU", "linear": "Linear"}.get(self.activation, self.activation.capitalize())
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that each see all ``nin`` inputs."""

    def __init__(self, nin: int, nout: int, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | Number]) -> Value | list[Value]:
        out = self.outputs(x)
        return out[0] if len(out) == 1 else out  # micrograd's rule: a lone Value for one neuron

    def outputs(self, x: Sequence[Value | Number]) -> list[Value]:
        """The neurons' outputs, always as a list (what the next layer takes, even for one neuron)."""
        return [n(x) for n in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def nodes_made(self, numbers: int) -> int:
        return sum(n.nodes_made(numbers) for n in self.neurons)

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` on ``nin`` inputs; every layer but the last is nonlinear."""

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        seed: int | None = None,
        lecture: bool = False,
    ):
        """``lecture=True``: the lecture's model (tanh everywhere, random biases), not micrograd's."""
        rng = random.Random(seed) if seed is not None else None
        sz = [nin] + list(nouts)
        self.layers = [
            Layer(
                sz[i],
                sz[i + 1],
                nonlin=lecture or i != len(nouts) - 1,
                activation="tanh" if lecture else activation,
                rng=rng,
                random_bias=lecture,
            )
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | Number]) -> Value | list[Value]:
        # Lists between layers, so a hidden layer of width 1 works (micrograd's MLP breaks there).
        for layer in self.layers:
            x = layer.outputs(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def nodes_made(self, numbers: int) -> int:
        """Only the first layer sees numbers; the next ones see the Values it made."""
        return self.layers[0].nodes_made(numbers) + sum(layer.nodes_made(0) for layer in self.layers[1:])

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
