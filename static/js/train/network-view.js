// The network diagram: the input features and neurons as pictures of their output over the plane
// (TF Playground's ~40 px), every weight a curve whose width grows with |w| and whose colour is its
// sign (blue +, orange −). Hidden layers get + / − buttons; hovering a neuron shows its output on the
// big plot; clicking a weight or a neuron shows (and lets the owner edit) its numbers.

import { h } from "../common/dom.js";
import { classColor, tint, weightColor } from "./colors.js";
import { gridScale, neuronGrids } from "./neuron-maps.js";

const MAP = 20; // cells per side of a neuron's picture
const SVG_NS = "http://www.w3.org/2000/svg";
const TOP = 62; // room for the column titles and the + / − buttons
const BOTTOM = 14;
const MAX_RADIUS = 20; // 40 px pictures when there is room

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

/** Neuron n of layer l (from 0) by the name the datapoint graph gives it: h{l}.{n}, the output "score". */
export function neuronName(sizes, l, n) {
  if (!sizes || l < sizes.length - 2) return `h${l}.${n}`;
  return sizes[sizes.length - 1] === 1 ? "score" : `score${n}`;
}

export class NetworkView {
  /**
   * @param {HTMLElement} container
   * @param {{onNeuron?: Function, onEdge?: Function, onResize?: Function, onHover?: Function}} handlers
   *   onResize(layer, delta) from a layer's + / − buttons; onHover(l, n, grid) or onHover(null).
   */
  constructor(container, handlers = {}) {
    this.container = container;
    this.handlers = handlers;
    this.sizes = [2, 1];
    this.inputs = ["x1", "x2"];
    this.outputLabels = null; // per output neuron, e.g. ["score"] or ["class 0", ...]
    this.editable = true;
    this.maxWidth = 32;
    this.weights = null;
    this.extent = null; // the input plane the pictures cover (null: no plane, no pictures)
    this.activation = "relu";
    this.edges = []; // {l, n, i, path}
    this.grids = null;
    new ResizeObserver(() => this.render()).observe(container);
  }

  /** The layout: layer sizes (inputs first), the inputs' names and the outputs' labels. */
  setShape(sizes, inputs, outputLabels, { editable = this.editable, maxWidth = this.maxWidth } = {}) {
    const same =
      sizes.join() === this.sizes.join() && inputs.join() === this.inputs.join() && editable === this.editable && outputLabels.join() === (this.outputLabels ?? []).join();
    Object.assign(this, { sizes: [...sizes], inputs: [...inputs], outputLabels: [...outputLabels], editable, maxWidth });
    if (!same) {
      this.weights = null;
      this.render();
    }
  }

  /** weights[l][n] = [w_0, ..., w_k, bias] (l from 0 = first hidden); `extent` the plane pictured. */
  setWeights(weights, extent = this.extent, activation = this.activation) {
    Object.assign(this, { weights, extent, activation });
    this.#paint();
  }

  /** The grid of neuron (l, n) at `res` cells a side over `extent` (for the big plot), or null. */
  neuronGrid(l, n, extent, res) {
    if (!this.weights || !extent) return null;
    return neuronGrids(this.weights.slice(0, l + 1), this.inputs, this.activation, extent, res)[l + 1][n];
  }

  render() {
    const { container, sizes } = this;
    const W = container.clientWidth;
    const H = container.clientHeight;
    container.replaceChildren();
    this.edges = [];
    if (W < 50 || H < 80) return;
    // Each node's output over the input plane, painted under the SVG (as the TF Playground does).
    const dpr = window.devicePixelRatio || 1;
    this.canvas = h("canvas", { class: "net-maps", width: Math.round(W * dpr), height: Math.round(H * dpr) });
    container.appendChild(this.canvas);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Network diagram" });
    container.appendChild(svg);
    const cols = sizes.length;
    // Each column's pictures as large as its own count allows (up to 40 px): the features and the
    // outputs stay readable beside two wide hidden layers, as in the TF Playground.
    const gaps = sizes.map((n) => Math.min(2 * MAX_RADIUS + 12, (H - TOP - BOTTOM) / n));
    const radii = gaps.map((gap) => Math.max(4, Math.min(MAX_RADIUS, gap * 0.42, (W / cols) * 0.18)));
    const rIn = radii[0];
    const rOut = radii[cols - 1];
    const outputs = this.outputLabels ?? [];
    const longest = Math.max(4, ...outputs.map((s) => s.length), ...this.inputs.map((s) => s.length));
    // Room on the left for the features' names, on the right for the outputs' (~7 px a character).
    const marginL = Math.max(rIn + 8 + 7 * Math.max(...this.inputs.map((s) => s.length), 2) + 6, 40);
    const marginR = Math.max(rOut + 8 + 7 * Math.max(...outputs.map((s) => s.length), 2) + 6, 40, Math.min(longest, 0));
    const colX = (c) => marginL + (c * (W - marginL - marginR)) / Math.max(1, cols - 1);
    const pos = sizes.map((n, c) => {
      const gap = gaps[c];
      const y0 = TOP + (H - TOP - BOTTOM - gap * n) / 2 + gap / 2;
      return Array.from({ length: n }, (_, i) => [colX(c), y0 + i * gap]);
    });
    this.layout = { pos, radii };

    const edgeLayer = el("g", { class: "net-edges" }, svg);
    for (let l = 1; l < cols; l++) {
      for (let n = 0; n < sizes[l]; n++) {
        const [x1, y1] = pos[l][n];
        for (let i = 0; i < sizes[l - 1]; i++) {
          const [x0, y0] = pos[l - 1][i];
          const mx = (x0 + x1) / 2;
          const d = `M${x0 + radii[l - 1]},${y0} C${mx},${y0} ${mx},${y1} ${x1 - radii[l]},${y1}`;
          const hit = el("path", { d, class: "net-hit" }, edgeLayer);
          const path = el("path", { d, class: "net-edge", stroke: "#c5cbe0", "stroke-width": 1 }, edgeLayer);
          const edge = { l: l - 1, n, i, path };
          hit.addEventListener("click", (e) => this.#select(path, () => this.handlers.onEdge?.(edge, e)));
          this.edges.push(edge);
        }
      }
    }

    const nodeLayer = el("g", {}, svg);
    sizes.forEach((count, c) => {
      const r = radii[c];
      const title = c === 0 ? "Features" : c === cols - 1 ? "Output" : `h${c - 1}`;
      el("text", { x: colX(c), y: 16, "text-anchor": "middle", class: "net-col-label" }, svg).textContent = title;
      if (c > 0 && c < cols - 1) {
        el("text", { x: colX(c), y: 31, "text-anchor": "middle", class: "net-label" }, svg).textContent = `${count} neuron${count === 1 ? "" : "s"}`;
      }
      pos[c].forEach(([x, y], n) => {
        if (c === 0) {
          const g = el("g", { class: "net-input", "data-input": this.inputs[n] }, nodeLayer);
          el("rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r, rx: 3, fill: "none", stroke: "#5f6b85" }, g);
          el("text", { x: x - r - 8, y: y + 4, "text-anchor": "end", class: "net-input-label" }, g).textContent = this.inputs[n];
          return;
        }
        const g = el("g", { class: "net-neuron", tabindex: "0", "data-neuron": `${c - 1}.${n}` }, nodeLayer);
        el("circle", { cx: x, cy: y, r, fill: "none" }, g);
        g.addEventListener("click", (e) => this.#select(g, () => this.handlers.onNeuron?.(c - 1, n, e)));
        g.addEventListener("mouseenter", () => this.handlers.onHover?.(c - 1, n));
        g.addEventListener("mouseleave", () => this.handlers.onHover?.(null));
        g.addEventListener("focus", () => this.handlers.onHover?.(c - 1, n));
        g.addEventListener("blur", () => this.handlers.onHover?.(null));
      });
    });
    pos[cols - 1].forEach(([x, y], n) => {
      const label = el("text", { x: x + rOut + 8, y: y + 4, class: "net-input-label" }, svg);
      label.textContent = outputs[n] ?? "";
      if (outputs.length > 1) label.setAttribute("fill", classColor(n));
    });

    // + / − per hidden layer, as HTML over the SVG (real buttons: focusable, clickable in tests)
    for (let c = 1; c < cols - 1; c++) {
      const box = h(
        "div",
        { class: "net-pm" },
        pmButton("−", `Remove a neuron from layer h${c - 1}`, !this.editable || sizes[c] <= 1, () => this.handlers.onResize?.(c - 1, -1)),
        pmButton("+", `Add a neuron to layer h${c - 1}`, !this.editable || sizes[c] >= this.maxWidth, () => this.handlers.onResize?.(c - 1, +1)),
      );
      box.style.left = `${colX(c)}px`;
      box.style.top = "38px";
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

  /** Every input's and neuron's value over a grid of the input plane, drawn in its shape. */
  #paintMaps() {
    const { weights, extent, canvas, layout } = this;
    if (!canvas || !layout) return;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!extent || weights.length !== this.sizes.length - 1) return;
    const dpr = canvas.width / this.container.clientWidth;
    const columns = neuronGrids(weights, this.inputs, this.activation, extent, MAP);
    const img = ctx.createImageData(MAP, MAP);
    const tile = h("canvas", { width: MAP, height: MAP });
    const tctx = tile.getContext("2d");
    const { pos, radii } = layout;
    columns.forEach((values, c) =>
      values.forEach((grid, n) => {
        if (!pos[c] || !pos[c][n]) return;
        const scale = gridScale(grid);
        for (let k = 0; k < grid.length; k++) {
          const v = Number.isFinite(grid[k]) ? grid[k] / scale : 0;
          const [rr, gg, bb] = tint(v >= 0 ? 1 : 0, Math.abs(v), 0.8);
          img.data.set([rr, gg, bb, 255], k * 4);
        }
        tctx.putImageData(img, 0, 0);
        const [x, y] = pos[c][n];
        const r = radii[c];
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

  #select(node, then) {
    this.clearSelection();
    node.classList.add("selected");
    then();
  }

  clearSelection() {
    this.container.querySelectorAll(".selected").forEach((node) => node.classList.remove("selected"));
  }
}

function pmButton(text, label, disabled, onclick) {
  return h("button", { type: "button", class: "pm-btn", "aria-label": label, title: label, disabled, onclick }, text);
}
