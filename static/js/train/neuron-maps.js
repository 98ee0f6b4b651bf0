// What every input and neuron outputs over the plane, computed here from the weights the live
// events carry (the same forward pass as engine/nn.py), for the neurons' little pictures and for
// showing one neuron's output on the big plot.

import { featureFn } from "./features.js";

const ACTIVATIONS = {
  relu: (z) => (z > 0 ? z : 0),
  tanh: Math.tanh,
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  linear: (z) => z,
};

/**
 * columns[c][n]: a Float64Array of res*res values, row 0 at the top (y_max). Column 0 holds the
 * input features, then one column per layer (the last layer is linear, as in the engine's MLP).
 * @param {number[][][]} weights  weights[l][n] = [w_0, ..., w_k, bias]
 */
export function neuronGrids(weights, features, activation, extent, res) {
  const cells = res * res;
  const xs = new Float64Array(cells);
  const ys = new Float64Array(cells);
  for (let iy = 0; iy < res; iy++) {
    for (let ix = 0; ix < res; ix++) {
      xs[iy * res + ix] = extent.x_min + ((ix + 0.5) / res) * (extent.x_max - extent.x_min);
      ys[iy * res + ix] = extent.y_max - ((iy + 0.5) / res) * (extent.y_max - extent.y_min);
    }
  }
  let prev = features.map((name) => {
    const f = featureFn(name);
    const out = new Float64Array(cells);
    for (let k = 0; k < cells; k++) out[k] = f(xs[k], ys[k]);
    return out;
  });
  const columns = [prev];
  const act = ACTIVATIONS[activation] || ACTIVATIONS.relu;
  weights.forEach((layer, l) => {
    const last = l === weights.length - 1;
    const out = layer.map((neuron) => {
      const z = new Float64Array(cells).fill(neuron[neuron.length - 1]);
      for (let i = 0; i < prev.length; i++) {
        const w = neuron[i];
        const h = prev[i];
        for (let k = 0; k < cells; k++) z[k] += w * h[k];
      }
      if (!last) for (let k = 0; k < cells; k++) z[k] = act(z[k]);
      return z;
    });
    columns.push(out);
    prev = out;
  });
  return columns;
}

/** The largest finite |value| of a grid (1 if none), to scale its colours. */
export function gridScale(grid) {
  let scale = 0;
  for (const v of grid) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  return scale || 1;
}
