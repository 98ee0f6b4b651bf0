"""``from micrograd.nn import Neuron, Layer, MLP``: Backprop Lab's, with micrograd's signatures."""

from engine.nn import MLP, Layer, Module, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron"]
