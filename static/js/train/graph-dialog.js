// A datapoint's graph through the network. Collapsed (drawn here): one card per input and neuron
// with its output's data and grad, one curve per weight. Expanded (drawn by the server's dot): one
// neuron's own scalar graph, micrograd style.

import { h } from "../common/dom.js";
import { errorMessage } from "../common/errors.js";
import { fmt, signClass } from "../common/format.js";
import { weightColor } from "./colors.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const MAX_CARD_W = 176; // at most; narrower (down to MIN_CARD_W) when the columns would not fit
const MIN_CARD_W = 150;
const MIN_GAP = 56; // between columns: room for the weights' curves
const CARD_H = 40;
const ROW = 48;
const PAD = 20;

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

export class GraphDialog {
  /**
   * @param {HTMLDialogElement} dialog
   * @param {{graph: Function, neuronSvg: Function, onClose?: Function, tooltip: Function}} source
   *   graph(sample, split) and neuronSvg(sample, split, neuron) fetch from the API.
   */
  constructor(dialog, source) {
    this.dialog = dialog;
    this.source = source;
    this.body = dialog.querySelector("#graph-body");
    this.title = dialog.querySelector("#graph-title");
    this.sub = dialog.querySelector("#graph-sub");
    this.foot = dialog.querySelector("#graph-foot");
    this.back = dialog.querySelector("#graph-back");
    this.point = null;
    this.graph = null;
    dialog.querySelector("#graph-close").addEventListener("click", () => dialog.close());
    this.back.addEventListener("click", () => this.#showCollapsed());
    this.refreshBtn = dialog.querySelector("#graph-refresh");
    this.refreshBtn.addEventListener("click", () => this.refresh());
    this.zoomBar = dialog.querySelector("#graph-zoom");
    this.zoom = null; // {svg, w, h, scale} of the expanded drawing
    for (const b of this.zoomBar.querySelectorAll("[data-zoom]")) {
      b.addEventListener("click", () => this.#zoomBy(Number(b.dataset.zoom)));
    }
    dialog.addEventListener("close", () => source.onClose?.());
    dialog.addEventListener("click", (e) => {
      if (e.target === dialog) dialog.close(); // a click on the backdrop
    });
  }

  get isOpen() {
    return this.dialog.open;
  }

  async open(point) {
    this.point = point;
    this.graph = null;
    this.refreshBtn.hidden = true;
    this.title.textContent = `Datapoint #${point.index} (${point.split})`;
    this.sub.textContent = "loading…";
    this.body.replaceChildren();
    this.foot.textContent = "";
    this.back.hidden = true;
    this.zoomBar.hidden = true;
    if (!this.dialog.open) this.dialog.showModal();
    try {
      this.graph = await this.source.graph(point.index, point.split);
    } catch (err) {
      this.#error(err);
      return;
    }
    this.#showCollapsed();
  }

  /** Re-fetch the open datapoint's graph (after more training), in the view it is in. */
  async refresh() {
    if (!this.isOpen || !this.point) return;
    const neuron = this.back.hidden ? null : this.neuron;
    await this.open(this.point);
    if (neuron && this.graph) await this.showNeuron(neuron);
  }

  /** The run moved on to `step`: offer to redraw the graph with the new weights. */
  stepChanged(step) {
    const stale = this.isOpen && this.graph && this.graph.sample.step !== step;
    this.refreshBtn.hidden = !stale;
    if (stale) this.refreshBtn.querySelector("span").textContent = String(step);
  }

  #error(err) {
    this.sub.textContent = "";
    this.body.replaceChildren(h("div", { class: "error-box graph-error", role: "alert" }, errorMessage(err)));
  }

  #showCollapsed() {
    const g = this.graph;
    if (!g) return;
    this.back.hidden = true;
    this.zoomBar.hidden = true;
    const { sample, loss } = g;
    this.title.textContent = `Datapoint #${sample.index} (${sample.split})`;
    this.sub.replaceChildren(
      `x = (${sample.x.map((v) => fmt(v)).join(", ")}) · class `,
      h("i", { class: `dot c${sample.label}` }),
      `${sample.label} · loss ${fmt(loss.value)} · step ${sample.step}`,
    );
    this.body.replaceChildren(this.#drawCollapsed(g));
    this.body.scrollTo(0, 0);
    const neurons = g.nodes.filter((n) => n.kind === "neuron").length;
    const noGrad = loss.value === 0 && g.nodes.every((n) => n.kind === "loss" || n.grad === 0);
    this.foot.replaceChildren(
      noGrad
        ? h(
            "b",
            { class: "foot-note" },
            `Every grad is 0: this point's ${loss.kind} loss is 0 (it is classified with room to spare), so it does not pull on any weight. Points near the boundary do.`,
          )
        : "",
      `The full graph of this datapoint has ${g.scalar_values} scalar Values; here each box is one input or ` +
        `neuron (${neurons} neurons), showing its output's data and grad. The loss box sums up ${loss.scalar_values} ` +
        `Values: ${loss.formula}. `,
      h("b", {}, "Click a neuron"),
      " to expand it into its own scalar graph.",
    );
  }

  #drawCollapsed(g) {
    const byLayer = new Map();
    for (const node of g.nodes) {
      if (!byLayer.has(node.layer)) byLayer.set(node.layer, []);
      byLayer.get(node.layer).push(node);
    }
    const layers = [...byLayer.keys()].sort((a, b) => a - b);
    const maxRows = Math.max(...layers.map((l) => byLayer.get(l).length));
    // Fill the dialog's width; past that, scroll sideways rather than shrink the numbers.
    const availW = Math.max(600, this.body.clientWidth - 2);
    const gaps = Math.max(1, layers.length - 1);
    const cardW = clamp(Math.floor((availW - 2 * PAD - gaps * MIN_GAP) / layers.length), MIN_CARD_W, MAX_CARD_W);
    const gap = Math.max(MIN_GAP, (availW - 2 * PAD - layers.length * cardW) / gaps);
    const width = 2 * PAD + layers.length * cardW + gaps * gap;
    const height = Math.max(this.body.clientHeight - 4, 2 * PAD + 24 + maxRows * ROW);
    const svg = el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "collapsed" });
    const pos = new Map();
    layers.forEach((layer, c) => {
      const nodes = byLayer.get(layer);
      const x = PAD + c * (cardW + gap);
      const y0 = 24 + (height - 24 - nodes.length * ROW) / 2;
      nodes.forEach((node, i) => pos.set(node.id, [x, y0 + i * ROW + (ROW - CARD_H) / 2]));
      const title = layer < 0 ? "Inputs" : nodes[0].kind === "loss" ? "Loss" : layer === layers.length - 3 ? "Output" : `Hidden ${layer + 1}`;
      el("text", { x: x + cardW / 2, y: 18, "text-anchor": "middle", class: "net-col-label" }, svg).textContent = title;
    });

    const edgeLayer = el("g", {}, svg);
    const maxAbs = Math.max(1e-9, ...g.edges.map((e) => (Number.isFinite(e.weight) ? Math.abs(e.weight) : 0)));
    const edgesByNode = new Map();
    const addEdge = (source, target, attrs, info) => {
      const [sx, sy] = pos.get(source);
      const [tx, ty] = pos.get(target);
      const x0 = sx + cardW;
      const y0 = sy + CARD_H / 2;
      const y1 = ty + CARD_H / 2;
      const mx = (x0 + tx) / 2;
      const path = el("path", { d: `M${x0},${y0} C${mx},${y0} ${mx},${y1} ${tx},${y1}`, class: "gedge", ...attrs }, edgeLayer);
      for (const id of [source, target]) {
        if (!edgesByNode.has(id)) edgesByNode.set(id, []);
        edgesByNode.get(id).push(path);
      }
      if (info) {
        path.classList.add("ghit");
        path.addEventListener("mousemove", (e) => this.source.tooltip(info(), e));
        path.addEventListener("mouseleave", () => this.source.tooltip(null));
      }
    };
    for (const e of g.edges) {
      const t = Number.isFinite(e.weight) ? Math.abs(e.weight) / maxAbs : 1;
      addEdge(
        e.source,
        e.target,
        { stroke: weightColor(e.weight), "stroke-width": (0.6 + 3.4 * t).toFixed(2), "stroke-opacity": (0.25 + 0.55 * t).toFixed(2) },
        () =>
          infoCard(
            [h("b", {}, "w"), ` ${e.source} → ${e.target}`],
            [
              ["data", e.weight],
              ["grad", e.weight_grad],
            ],
            "grad: ∂loss/∂w for this datapoint",
          ),
      );
    }
    const lossNode = g.nodes.find((n) => n.kind === "loss");
    const lastLayer = Math.max(...g.nodes.filter((n) => n.kind === "neuron").map((n) => n.layer));
    for (const n of byLayer.get(lastLayer)) addEdge(n.id, lossNode.id, { stroke: "#8b93a8", "stroke-width": 1.5 }, null);

    for (const node of g.nodes) {
      const [x, y] = pos.get(node.id);
      const group = el("g", { class: `gnode ${node.kind}`, transform: `translate(${x},${y})`, "data-node": node.id }, svg);
      el("rect", { width: cardW, height: CARD_H, rx: 6 }, group);
      el("text", { x: 8, y: 16, class: "glabel" }, group).textContent = node.label;
      const kind = node.kind === "loss" ? g.loss.kind : node.activation && node.activation !== "linear" ? node.activation : "";
      if (kind) el("text", { x: 8, y: 33, class: "gzero" }, group).textContent = kind;
      const data = el("text", { x: cardW - 8, y: 16, "text-anchor": "end" }, group);
      el("tspan", { class: "gzero" }, data).textContent = "data ";
      el("tspan", {}, data).textContent = fmt(node.data);
      const grad = el("text", { x: cardW - 8, y: 33, "text-anchor": "end" }, group);
      el("tspan", { class: "gzero" }, grad).textContent = "grad ";
      el("tspan", { class: signClass(node.grad, "g") }, grad).textContent = fmt(node.grad);
      const edges = edgesByNode.get(node.id) || [];
      group.addEventListener("mouseenter", (e) => {
        edges.forEach((p) => p.setAttribute("data-hot", "1"));
        svg.classList.add("focus");
        this.source.tooltip(nodeInfo(node, g), e);
      });
      group.addEventListener("mouseleave", () => {
        edges.forEach((p) => p.removeAttribute("data-hot"));
        svg.classList.remove("focus");
        this.source.tooltip(null);
      });
      if (node.kind === "neuron") group.addEventListener("click", () => this.showNeuron(node.id));
    }
    return svg;
  }

  /** Multiply the expanded drawing's zoom by `factor`; 0 fits it (readable: never below 0.6). */
  #zoomBy(factor) {
    const z = this.zoom;
    if (!z) return;
    if (factor === 0) {
      // Fit the width (a neuron is drawn one weight per row: scroll down along its sum); never so
      // small that the numbers cannot be read.
      z.scale = clamp((this.body.clientWidth - 40) / z.w, 0.75, 1.4);
    } else {
      z.scale = clamp(z.scale * factor, 0.2, 4);
    }
    z.svg.style.width = `${z.w * z.scale}px`;
    z.svg.style.height = `${z.h * z.scale}px`;
  }

  /** Expand neuron "L.N" of the open datapoint into its scalar graph (drawn by the server). */
  async showNeuron(nid) {
    const { index, split } = this.point;
    this.neuron = nid;
    this.source.tooltip(null);
    this.back.hidden = false;
    const node = this.graph.nodes.find((n) => n.id === nid);
    this.title.textContent = `Neuron ${node ? node.label : nid} · datapoint #${index} (${split})`;
    this.sub.textContent = "loading…";
    let svgText;
    try {
      svgText = await this.source.neuronSvg(index, split, nid);
    } catch (err) {
      this.#error(err);
      return;
    }
    this.sub.textContent = node ? `${node.activation} neuron · output data ${fmt(node.data)} · grad ${fmt(node.grad)}` : "";
    const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
    const svg = document.importNode(doc.documentElement, true);
    const vb = (svg.getAttribute("viewBox") || "0 0 800 400").split(/\s+/).map(Number);
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    const wrap = document.createElement("div");
    wrap.className = "expanded";
    wrap.appendChild(svg);
    this.body.replaceChildren(wrap);
    this.zoom = { svg, w: vb[2], h: vb[3], scale: 1 };
    this.zoomBar.hidden = false;
    this.#zoomBy(0);
    this.body.scrollTo(0, 0);
    this.foot.textContent =
      `${node ? node.label : nid} as micrograd computes it: one row per weight (w × input), each product added onto the ` +
      `running sum that starts at the bias, then the activation at the bottom right. Every grad is ∂loss/∂value for this datapoint.`;
  }
}

function clamp(x, lo, hi) {
  return Math.min(hi, Math.max(lo, x));
}

function nodeInfo(node, g) {
  const rows = [
    ["data", node.data],
    ["grad", node.grad],
  ];
  if (node.kind === "neuron") {
    rows.push(["w·x+b", node.pre_activation], ["its grad", node.pre_activation_grad], ["bias", node.bias], ["bias grad", node.bias_grad]);
  }
  let head = [h("b", {}, node.label)];
  if (node.kind === "neuron") head.push(` · ${node.activation} · ${node.scalar_values} scalar Values`);
  if (node.kind === "loss") head = [h("b", {}, "loss"), ` · ${g.loss.formula} · target ${g.loss.target.map((t) => fmt(t, 0)).join(", ")}`];
  if (node.kind === "input") head.push(" · input");
  return infoCard(head, rows, node.kind === "neuron" ? "click to expand" : null);
}

/** A tooltip's content: a heading, a table of numbers (grads coloured by sign), a muted note. */
export function infoCard(head, rows, note = null) {
  return h(
    "div",
    {},
    head,
    h(
      "table",
      {},
      rows.map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", { class: k.includes("grad") ? signClass(v) : null }, fmt(v)))),
    ),
    note ? h("span", { class: "muted" }, note) : null,
  );
}
