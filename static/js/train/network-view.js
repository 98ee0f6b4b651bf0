// The network diagram: neurons as circles in columns, every weight a curve whose width grows with
// |w| and whose colour is its sign (blue +, orange −). Hidden layers get + / − buttons.

import { classColor, tint, weightColor } from "./colors.js";

const MAP = 18; // cells per side of a neuron's little picture

const ACTIVATIONS = {
  relu: (z) => (z > 0 ? z : 0),
  tanh: Math.tanh,
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  linear: (z) => z,
};

const SVG_NS = "http://www.w3.org/2000/svg";
const TOP = 58; // room for the column titles and the + / − buttons
const BOTTOM = 14;

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

export class NetworkView {
  /**
   * @param {HTMLElement} container
   * @param {{onNeuron?: Function, onEdge?: Function, onResize?: Function}} handlers
   *   onResize(layer, delta) is called by a layer's + / − buttons.
   */
  constructor(container, handlers = {}) {
    this.container = container;
    this.handlers = handlers;
    this.sizes = [2, 1];
    this.editable = true;
    this.maxWidth = 32;
    this.weights = null;
    this.extent = null; // the input plane the neuron pictures cover
    this.activation = "relu";
    this.edges = []; // {l, n, i, path}
    this.neurons = []; // per layer (from 1), per neuron: the <g>
    this.selected = null;
    new ResizeObserver(() => this.render()).observe(container);
  }

  setSizes(sizes, { editable = this.editable, maxWidth = this.maxWidth } = {}) {
    const same = sizes.join() === this.sizes.join() && editable === this.editable;
    this.sizes = [...sizes];
    this.editable = editable;
    this.maxWidth = maxWidth;
    if (!same) {
      this.weights = null;
      this.render();
    }
  }

  /**
   * weights[l][n] = [w_0, ..., w_k, bias] of neuron n in layer l (l from 0 = first hidden);
   * `extent` ({x_min, x_max, y_min, y_max}) is the input plane each neuron's picture shows.
   */
  setWeights(weights, extent = this.extent, activation = this.activation) {
    this.weights = weights;
    this.extent = extent;
    this.activation = activation;
    this.#paint();
  }

  render() {
    const { container, sizes } = this;
    const W = container.clientWidth;
    const H = container.clientHeight;
    container.replaceChildren();
    this.edges = [];
    this.neurons = [];
    if (W < 50 || H < 80) return;
    // Each neuron's output over the input plane, painted under the SVG (as the TF Playground does).
    const dpr = window.devicePixelRatio || 1;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "net-maps";
    this.canvas.width = Math.round(W * dpr);
    this.canvas.height = Math.round(H * dpr);
    container.appendChild(this.canvas);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Network diagram" });
    container.appendChild(svg);
    const cols = sizes.length;
    const maxN = Math.max(...sizes);
    const spacing = Math.min(46, (H - TOP - BOTTOM) / maxN);
    const r = Math.max(3.5, Math.min(16, spacing * 0.38));
    const outputs = sizes[cols - 1];
    const outputLabel = (n) => (outputs === 1 ? "score" : `class ${n}`);
    // Room on the right for the output labels (13px monospace: ~8px a character), on the left for x1/x2.
    const marginL = Math.max(44, Math.min(90, W * 0.09));
    const marginR = Math.max(marginL, r + 8 + 8 * outputLabel(outputs - 1).length + 12);
    const colX = (c) => marginL + (c * (W - marginL - marginR)) / Math.max(1, cols - 1);
    const pos = sizes.map((n, c) => {
      const x = colX(c);
      const gap = Math.min(46, (H - TOP - BOTTOM) / n); // a short column keeps its labels apart
      const y0 = TOP + (H - TOP - BOTTOM - gap * n) / 2 + gap / 2;
      return Array.from({ length: n }, (_, i) => [x, y0 + i * gap]);
    });
    this.layout = { pos, r };

    const edgeLayer = el("g", { class: "net-edges" }, svg);
    for (let l = 1; l < cols; l++) {
      for (let n = 0; n < sizes[l]; n++) {
        const [x1, y1] = pos[l][n];
        for (let i = 0; i < sizes[l - 1]; i++) {
          const [x0, y0] = pos[l - 1][i];
          const mx = (x0 + x1) / 2;
          const d = `M${x0 + r},${y0} C${mx},${y0} ${mx},${y1} ${x1 - r},${y1}`;
          const hit = el("path", { d, class: "net-hit" }, edgeLayer);
          const path = el("path", { d, class: "net-edge", stroke: "#c5cbe0", "stroke-width": 1 }, edgeLayer);
          const edge = { l: l - 1, n, i, path };
          hit.addEventListener("click", (e) => this.#selectEdge(edge, e));
          this.edges.push(edge);
        }
      }
    }

    const nodeLayer = el("g", {}, svg);
    sizes.forEach((count, c) => {
      const title = c === 0 ? "Input" : c === cols - 1 ? "Output" : `Hidden ${c}`;
      el("text", { x: colX(c), y: 16, "text-anchor": "middle", class: "net-col-label" }, svg).textContent = title;
      if (c > 0 && c < cols - 1) {
        el("text", { x: colX(c), y: 31, "text-anchor": "middle", class: "net-label" }, svg).textContent =
          `${count} neuron${count === 1 ? "" : "s"}`;
      }
      const layerNodes = [];
      pos[c].forEach(([x, y], n) => {
        if (c === 0) {
          const g = el("g", { class: "net-input" }, nodeLayer);
          el("rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r, rx: 3, fill: "none", stroke: "#5f6b85" }, g);
          el("text", { x: x - r - 10, y: y + 4, "text-anchor": "end", class: "net-input-label" }, g).textContent = `x${n + 1}`;
          return;
        }
        const g = el("g", { class: "net-neuron", tabindex: "0", "data-neuron": `${c - 1}.${n}` }, nodeLayer);
        el("circle", { cx: x, cy: y, r, fill: "none" }, g);
        g.addEventListener("click", (e) => this.#selectNeuron(c - 1, n, g, e));
        layerNodes.push(g);
      });
      if (c > 0) this.neurons.push(layerNodes);
    });
    // Output labels: one score, or one score per class (softmax) in the class's colour.
    pos[cols - 1].forEach(([x, y], n) => {
      const label = el("text", { x: x + r + 8, y: y + 4, class: "net-input-label" }, svg);
      label.textContent = outputLabel(n);
      if (outputs > 1) label.style.fill = classColor(n);
    });

    // + / − per hidden layer, as HTML over the SVG (real buttons: focusable, clickable in tests)
    for (let c = 1; c < cols - 1; c++) {
      const box = document.createElement("div");
      box.className = "net-pm";
      box.style.left = `${colX(c)}px`;
      box.style.top = "36px";
      const minus = pmButton("−", `Remove a neuron from hidden layer ${c}`, () => this.handlers.onResize?.(c - 1, -1));
      const plus = pmButton("+", `Add a neuron to hidden layer ${c}`, () => this.handlers.onResize?.(c - 1, +1));
      minus.disabled = !this.editable || sizes[c] <= 1;
      plus.disabled = !this.editable || sizes[c] >= this.maxWidth;
      box.append(minus, plus);
      container.appendChild(box);
    }
    this.#paint();
  }

  #paint() {
    const { weights } = this;
    if (!weights || !this.edges.length) return;
    let maxAbs = 1;
    for (const layer of weights) for (const neuron of layer) for (const w of neuron) if (Number.isFinite(w)) maxAbs = Math.max(maxAbs, Math.abs(w));
    for (const edge of this.edges) {
      const w = weights[edge.l]?.[edge.n]?.[edge.i];
      if (w === undefined) continue;
      const t = Number.isFinite(w) ? Math.min(1, Math.abs(w) / maxAbs) : 1;
      edge.path.setAttribute("stroke", Number.isFinite(w) ? weightColor(w) : "#d93025");
      edge.path.setAttribute("stroke-width", (0.6 + 4.4 * t).toFixed(2));
      edge.path.setAttribute("stroke-opacity", (0.3 + 0.6 * t).toFixed(2));
    }
    this.#paintMaps();
  }

  /** Every input's and neuron's value over a grid of the input plane, drawn in its circle. */
  #paintMaps() {
    const { weights, extent, canvas, layout } = this;
    if (!canvas || !extent || !layout) return;
    const ctx = canvas.getContext("2d");
    const dpr = canvas.width / this.container.clientWidth;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const act = ACTIVATIONS[this.activation] || ACTIVATIONS.relu;
    const cells = MAP * MAP;
    // values[c][n] = Float64Array of the grid for node n of column c (column 0: the inputs)
    const xs = new Float64Array(cells);
    const ys = new Float64Array(cells);
    for (let iy = 0; iy < MAP; iy++) {
      for (let ix = 0; ix < MAP; ix++) {
        xs[iy * MAP + ix] = extent.x_min + ((ix + 0.5) / MAP) * (extent.x_max - extent.x_min);
        ys[iy * MAP + ix] = extent.y_max - ((iy + 0.5) / MAP) * (extent.y_max - extent.y_min);
      }
    }
    let prev = [xs, ys];
    const columns = [prev];
    for (let l = 0; l < weights.length; l++) {
      const last = l === weights.length - 1;
      const out = weights[l].map((neuron) => {
        const b = neuron[neuron.length - 1];
        const z = new Float64Array(cells).fill(b);
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
    }
    const img = ctx.createImageData(MAP, MAP);
    const tile = document.createElement("canvas");
    tile.width = tile.height = MAP;
    const tctx = tile.getContext("2d");
    const { pos, r } = layout;
    columns.forEach((values, c) =>
      values.forEach((grid, n) => {
        if (!pos[c] || !pos[c][n]) return;
        let scale = 0;
        for (let k = 0; k < cells; k++) if (Number.isFinite(grid[k])) scale = Math.max(scale, Math.abs(grid[k]));
        scale = scale || 1;
        for (let k = 0; k < cells; k++) {
          const v = Number.isFinite(grid[k]) ? grid[k] / scale : 0;
          const [rr, gg, bb] = tint(v >= 0 ? 1 : 0, Math.abs(v), 0.8);
          img.data.set([rr, gg, bb, 255], k * 4);
        }
        tctx.putImageData(img, 0, 0);
        const [x, y] = pos[c][n];
        ctx.save();
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        ctx.beginPath();
        if (c === 0) ctx.rect(x - r, y - r, 2 * r, 2 * r);
        else ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.clip();
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(tile, x - r, y - r, 2 * r, 2 * r);
        ctx.restore();
      }),
    );
  }

  #clearSelection() {
    this.container.querySelectorAll(".selected").forEach((node) => node.classList.remove("selected"));
  }

  #selectEdge(edge, event) {
    this.#clearSelection();
    edge.path.classList.add("selected");
    this.handlers.onEdge?.(edge, event);
  }

  #selectNeuron(l, n, g, event) {
    this.#clearSelection();
    g.classList.add("selected");
    this.handlers.onNeuron?.(l, n, event);
  }

  clearSelection() {
    this.#clearSelection();
  }
}

function pmButton(text, label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "pm-btn";
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.title = label;
  b.addEventListener("click", onClick);
  return b;
}
