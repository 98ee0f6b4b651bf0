// The drawing: the server's SVG with pan & zoom, hover highlights, a tooltip, selection, numbers
// updated in place, colour by |grad|, and the dimmed/"?" states of the step-through.

import { h, replaceChildren } from "../common/dom.js";
import { fmt } from "../common/format.js";
import { Camera } from "./camera.js";
import { nodeName, OP_TITLES } from "./names.js";

const CLICK_SLOP = 5; // pixels a press may move and still count as a click, not a pan

/** Elements of the SVG a graph update touches. */
function indexSvg(svg, graph) {
  const byId = (id) => svg.getElementById(id);
  const values = new Map();
  for (const node of graph.nodes) {
    const g = byId(`node-${node.id}`);
    if (!g) continue;
    const texts = g.querySelectorAll("text");
    values.set(node.id, {
      g,
      shape: g.querySelector("polygon, path, ellipse"),
      // The record is {label | data | grad} or {data | grad}: the last two texts are the numbers.
      dataText: texts[texts.length - 2] || null,
      gradText: texts[texts.length - 1] || null,
      op: byId(`op-${node.id}`),
      opEdge: byId(`opedge-${node.id}`),
    });
  }
  const edges = new Map();
  for (const edge of graph.edges) edges.set(edge.id, byId(`edge-${edge.id}`));
  // Collapsed clusters {label | data | grad | N values}, and the frames of open ones.
  const boxes = new Map();
  const frames = new Map();
  for (const cluster of graph.clusters || []) {
    const box = byId(`box-${cluster.id}`);
    if (box) {
      const texts = box.querySelectorAll("text");
      boxes.set(cluster.id, { g: box, dataText: texts.length >= 4 ? texts[1] : null, gradText: texts.length >= 4 ? texts[2] : null });
    }
    const frame = byId(`cluster-${cluster.id}`);
    if (frame) frames.set(cluster.id, frame);
  }
  return { values, edges, boxes, frames };
}

/** A key for a drawing's shape: the same key means the same SVG layout (numbers aside). */
export function drawingKey(mode, graph, { rankdir, expand }) {
  const nodes = graph.nodes.map((n) => `${n.op_symbol}:${n.label}:${n.is_output ? 1 : 0}`).join(",");
  const edges = graph.edges.map((e) => `${e.source}>${e.target}`).join(",");
  const boxes = expand ? `open:${expand.join(",")}` : `auto:${(graph.collapsed || []).join(",")}`;
  return `${mode}|${rankdir}|${nodes}|${edges}|${boxes}`;
}

/** Our own SVG, but treat it as data: drop anything that could run or navigate, and native tooltips. */
function sanitize(svg) {
  for (const el of svg.querySelectorAll("script, foreignObject, iframe, title")) el.remove();
  for (const el of svg.querySelectorAll("*")) {
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on") || name === "href" || name === "xlink:href" || name === "xlink:title") {
        el.removeAttribute(attr.name);
      }
    }
  }
  for (const comment of Array.from(svg.childNodes)) if (comment.nodeType === Node.COMMENT_NODE) comment.remove();
}

export class GraphView {
  /**
   * @param {HTMLElement} canvas where the SVG goes
   * @param {{onSelect(id: string, kind: "value"|"op"): void, tooltip: HTMLElement, message: HTMLElement,
   *   overview: HTMLElement}} hooks
   */
  constructor(canvas, hooks) {
    this.canvas = canvas;
    this.hooks = hooks;
    this.tooltip = hooks.tooltip;
    this.message = hooks.message;
    this.svg = null;
    this.graph = null;
    this.index = null;
    this.colourByGrad = false;
    this.selected = null;
    this.step = null;
    this.pointerDown = null;
    this.camera = new Camera(canvas, hooks.overview);
  }

  get hasSvg() {
    return this.svg !== null;
  }

  /** The on-screen node text size, in pixels, of `svgText` fitted to the canvas. */
  fitTextPx(svgText) {
    return this.camera.fitTextPx(svgText);
  }

  /**
   * Show a fresh drawing of `graph` (new structure): re-layout, then all of it when its text can be
   * read so, else its output at a readable size with a minimap of the rest.
   */
  showSvg(svgText, graph) {
    const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
    const parsed = doc.documentElement;
    if (parsed.nodeName !== "svg" || doc.querySelector("parsererror")) {
      throw new Error("The server sent a drawing that could not be read.");
    }
    sanitize(parsed);
    this.clear();
    const svg = document.importNode(parsed, true);
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("class", "graph-svg");
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-label", `Expression graph, ${graph.nodes.length} values`);
    this.canvas.appendChild(svg);
    this.svg = svg;
    this.graph = graph;
    this.index = indexSvg(svg, graph);
    this.decorate();
    this.bindEvents();
    this.camera.attach(svg, svgText);
    this.camera.autoView(this.index.values.get(graph.output)?.g);
    this.updateNumbers(graph);
  }

  /** Remove the drawing (a graph too large to draw, or a fresh start). */
  clear() {
    this.camera.detach();
    this.canvas.textContent = "";
    this.svg = null;
    this.index = null;
    this.hideTooltip();
  }

  /** Accessibility and styling hooks on the drawn shapes. */
  decorate() {
    const nodes = new Map(this.graph.nodes.map((n) => [n.id, n]));
    for (const [id, item] of this.index.values) {
      const node = nodes.get(id);
      item.g.setAttribute("tabindex", "0");
      item.g.setAttribute("role", "button");
      item.g.dataset.node = id;
      item.g.dataset.kind = "value";
      if (item.op) {
        item.op.setAttribute("tabindex", "0");
        item.op.setAttribute("role", "button");
        item.op.dataset.node = id;
        item.op.dataset.kind = "op";
        item.op.setAttribute("aria-label", `${OP_TITLES[node.op]} (${node.op_symbol}) that makes ${nodeName(node)}`);
      }
    }
    for (const [id, el] of this.index.edges) if (el) el.dataset.edge = id;
    const clusters = new Map((this.graph.clusters || []).map((c) => [c.id, c]));
    for (const [id, box] of this.index.boxes) {
      const cluster = clusters.get(id);
      Object.assign(box.g.dataset, { cluster: id, action: "open" });
      box.g.setAttribute("tabindex", "0");
      box.g.setAttribute("role", "button");
      box.g.setAttribute("aria-label", `Open ${cluster.label} (${cluster.kind}, ${cluster.size} values)`);
    }
    for (const [id, frame] of this.index.frames) {
      // The frame's title closes it again; the frame itself stays a place to pan from.
      const title = frame.querySelector("text"); // Graphviz draws clusters flat, each with its title
      if (!title) continue;
      Object.assign(title.dataset, { cluster: id, action: "close" });
      title.setAttribute("tabindex", "0");
      title.setAttribute("role", "button");
      title.setAttribute("class", "frame-title");
      title.setAttribute("aria-label", `Collapse ${clusters.get(id).label} into one box`);
    }
  }

  /** A click or Enter on a cluster's box (open it) or a frame's title (collapse it). */
  clusterAction(target) {
    if (!target) return false;
    const { cluster, action } = target.dataset;
    if (action === "open") this.hooks.onOpenCluster(cluster);
    else this.hooks.onCloseCluster(cluster);
    return true;
  }

  bindEvents() {
    const svg = this.svg;
    svg.addEventListener("pointerdown", (e) => {
      this.pointerDown = { x: e.clientX, y: e.clientY };
      this.hideTooltip();
    });
    svg.addEventListener("wheel", () => this.hideTooltip(), { passive: true });
    svg.addEventListener("click", (e) => {
      const start = this.pointerDown;
      if (start && Math.hypot(e.clientX - start.x, e.clientY - start.y) > CLICK_SLOP) return; // a pan
      if (this.clusterAction(e.target.closest("[data-cluster]"))) return;
      const target = e.target.closest("[data-node]");
      if (target) this.hooks.onSelect(target.dataset.node, target.dataset.kind);
    });
    svg.addEventListener("keydown", (e) => {
      if ((e.key === "Enter" || e.key === " ") && this.clusterAction(e.target.closest("[data-cluster]"))) {
        e.preventDefault();
        return;
      }
      const target = e.target.closest("[data-node]");
      if (target && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        this.hooks.onSelect(target.dataset.node, target.dataset.kind);
      }
    });
    svg.addEventListener("mouseover", (e) => {
      const target = e.target.closest("[data-node], [data-edge], [data-cluster]");
      if (!target) return;
      if (target.dataset.node) this.hover(target.dataset.node, target.dataset.kind);
      this.showTooltip(target, e);
    });
    svg.addEventListener("mousemove", (e) => {
      if (!this.tooltip.hidden) this.placeTooltip(e.clientX, e.clientY);
    });
    svg.addEventListener("mouseout", (e) => {
      const target = e.target.closest("[data-node], [data-edge], [data-cluster]");
      if (target && !target.contains(e.relatedTarget)) {
        this.hover(null);
        this.hideTooltip();
      }
    });
    svg.addEventListener("focusin", (e) => {
      const target = e.target.closest("[data-node]");
      if (target) this.hover(target.dataset.node, target.dataset.kind);
    });
    svg.addEventListener("focusout", () => this.hover(null));
  }

  // ------------------------------------------------------------------ numbers

  /** Write data and grad of every node into the existing drawing (same structure, no re-layout). */
  updateNumbers(graph) {
    this.graph = graph;
    if (!this.index) return;
    for (const node of graph.nodes) {
      const item = this.index.values.get(node.id);
      if (!item) continue;
      if (item.dataText) item.dataText.textContent = `data ${fmt(node.data)}`;
      if (item.gradText) item.gradText.textContent = `grad ${fmt(node.grad)}`;
      item.g.setAttribute("aria-label", `${nodeName(node)}: data ${fmt(node.data)}, grad ${fmt(node.grad)}`);
    }
    for (const cluster of graph.clusters || []) {
      const box = this.index.boxes.get(cluster.id);
      const out = cluster.output && graph.nodes[Number(cluster.output.slice(1))];
      if (!box || !out) continue;
      if (box.dataText) box.dataText.textContent = `data ${fmt(out.data)}`;
      if (box.gradText) box.gradText.textContent = `grad ${fmt(out.grad)}`;
    }
    this.applyColour();
    if (this.step) this.applyStep(this.step);
  }

  // ------------------------------------------------------------------ colour by |grad|

  setColourByGrad(on) {
    this.colourByGrad = on;
    this.applyColour();
  }

  /** The largest finite |grad|, for the legend. */
  maxAbsGrad() {
    let max = 0;
    for (const node of this.graph?.nodes || []) {
      const g = Math.abs(node.grad);
      if (Number.isFinite(g) && g > max) max = g;
    }
    return max;
  }

  applyColour() {
    if (!this.index) return;
    const max = this.maxAbsGrad();
    for (const node of this.graph.nodes) {
      const item = this.index.values.get(node.id);
      if (!item || !item.shape) continue;
      if (!this.colourByGrad) {
        item.shape.style.fill = "";
        continue;
      }
      // While stepping backward, a grad not filled in yet has no colour either.
      const known = !this.step || !this.step.gradKnown || this.step.gradKnown.has(node.id);
      const g = Math.abs(node.grad);
      // sqrt: the largest grads are often far larger than the rest, which would all look white.
      const t = !Number.isFinite(g) ? 1 : max > 0 ? Math.sqrt(g / max) : 0;
      item.shape.style.fill = known ? heat(t) : "";
    }
  }

  // ------------------------------------------------------------------ hover, selection

  /** Highlight a node with its inputs and its consumers (null clears). */
  hover(id, kind = "value") {
    if (!this.svg) return;
    for (const el of this.svg.querySelectorAll(".hl, .hl-in, .hl-out")) el.classList.remove("hl", "hl-in", "hl-out");
    this.svg.classList.toggle("hovering", Boolean(id));
    if (!id) return;
    const item = this.index.values.get(id);
    if (!item) return;
    const add = (el, cls) => el && el.classList.add(cls);
    add(kind === "op" ? item.op : item.g, "hl");
    if (kind === "op") add(item.g, "hl-out");
    else add(item.g, "hl");
    add(item.op, kind === "op" ? "hl" : "hl-in");
    add(item.opEdge, kind === "op" ? "hl-out" : "hl-in");
    for (const edge of this.graph.edges) {
      if (edge.target === id) {
        add(this.index.edges.get(edge.id), "hl-in");
        add(this.index.values.get(edge.source)?.g, "hl-in");
      } else if (edge.source === id && kind === "value") {
        add(this.index.edges.get(edge.id), "hl-out");
        const consumer = this.index.values.get(edge.target);
        add(consumer?.op, "hl-out");
        add(consumer?.opEdge, "hl-out");
        add(consumer?.g, "hl-out");
      }
    }
  }

  /** Mark the selected node (value or op); null clears. */
  select(id, kind = "value") {
    if (!this.svg) return;
    for (const el of this.svg.querySelectorAll(".selected")) el.classList.remove("selected");
    this.selected = id ? { id, kind } : null;
    if (!id) return;
    const item = this.index.values.get(id);
    const el = kind === "op" ? item?.op : item?.g;
    if (el) el.classList.add("selected");
  }

  /** Give keyboard focus back to a node's shape (after closing its panel). */
  focusNode(id, kind = "value") {
    const item = this.index?.values.get(id);
    const el = kind === "op" ? item?.op : item?.g;
    if (el) el.focus({ preventScroll: true });
  }

  /** Briefly highlight node shapes named by id (the panel hovers its chips here). */
  peek(id) {
    this.hover(id, "value");
  }

  // ------------------------------------------------------------------ tooltip

  showTooltip(target, event) {
    const graph = this.graph;
    let lines;
    if (target.dataset.cluster) {
      const cluster = (graph.clusters || []).find((c) => c.id === target.dataset.cluster);
      if (!cluster) return;
      const out = cluster.output && graph.nodes[Number(cluster.output.slice(1))];
      lines = [
        [cluster.label, "tt-title"],
        [`${cluster.kind} · ${cluster.size} values`, "tt-op"],
        out ? [`data ${fmt(out.data)}`] : null,
        out ? [`grad ${fmt(out.grad)}`] : null,
        [target.dataset.action === "open" ? "click to open it" : "click to collapse it into one box", "tt-hint"],
      ].filter(Boolean);
    } else if (target.dataset.edge) {
      const edge = graph.edges.find((e) => e.id === target.dataset.edge);
      if (!edge) return;
      const from = graph.nodes[Number(edge.source.slice(1))];
      const to = graph.nodes[Number(edge.target.slice(1))];
      lines = [
        [`${nodeName(from)} → ${to.op_symbol} → ${nodeName(to)}`, "tt-title"],
        [`local ∂ ${fmt(edge.local_grad)}`],
        [`contribution ${fmt(to.grad)} × ${fmt(edge.local_grad)} = ${fmt(edge.contribution)}`],
      ];
    } else {
      const node = graph.nodes[Number(target.dataset.node.slice(1))];
      if (!node) return;
      if (target.dataset.kind === "op") {
        lines = [
          [`${node.op_symbol}  ${OP_TITLES[node.op]}`, "tt-title"],
          [`makes ${nodeName(node)} = ${fmt(node.data)}`],
          ["click for its derivative rule", "tt-hint"],
        ];
      } else {
        const step = this.step;
        const dataKnown = !step || !step.dataKnown || step.dataKnown.has(node.id);
        const gradKnown = !step || !step.gradKnown || step.gradKnown.has(node.id);
        lines = [
          [node.label || "(unnamed)", "tt-title"],
          [node.is_leaf ? "leaf" : `${OP_TITLES[node.op]} (${node.op_symbol})`, "tt-op"],
          [`data ${dataKnown ? fmt(node.data) : "?"}`],
          [`grad ${gradKnown ? fmt(node.grad) : "?"}`],
        ];
      }
    }
    replaceChildren(this.tooltip, ...lines.map(([text, cls]) => h("div", { class: cls || null }, text)));
    this.tooltip.hidden = false;
    this.placeTooltip(event.clientX, event.clientY);
  }

  placeTooltip(x, y) {
    const host = this.tooltip.offsetParent || this.canvas;
    const box = host.getBoundingClientRect();
    const tip = this.tooltip.getBoundingClientRect();
    let left = x - box.left + 14;
    let top = y - box.top + 16;
    if (left + tip.width > box.width - 8) left = x - box.left - tip.width - 14;
    if (top + tip.height > box.height - 8) top = y - box.top - tip.height - 12;
    this.tooltip.style.left = `${Math.max(8, left)}px`;
    this.tooltip.style.top = `${Math.max(8, top)}px`;
  }

  hideTooltip() {
    if (this.tooltip) this.tooltip.hidden = true;
  }

  // ------------------------------------------------------------------ stepping

  /**
   * Show part of a pass: `dataKnown`/`gradKnown` are Sets of node ids whose numbers are shown (null =
   * all), `current` is the node just computed, `edges` the edge ids it uses. null ends stepping.
   */
  setStep(step) {
    this.step = step;
    if (!this.svg) return;
    for (const el of this.svg.querySelectorAll(".step-current, .step-edge, .step-pending, .step-input")) {
      el.classList.remove("step-current", "step-edge", "step-pending", "step-input");
    }
    this.svg.classList.toggle("stepping", Boolean(step));
    if (step) {
      this.applyStep(step);
      this.applyColour();
      if (step.current) this.camera.follow(this.index.values.get(step.current)?.g);
    } else {
      this.updateNumbers(this.graph);
    }
  }

  applyStep(step) {
    for (const node of this.graph.nodes) {
      const item = this.index.values.get(node.id);
      if (!item) continue;
      const dataKnown = !step.dataKnown || step.dataKnown.has(node.id);
      const gradKnown = !step.gradKnown || step.gradKnown.has(node.id);
      if (item.dataText) item.dataText.textContent = `data ${dataKnown ? fmt(node.data) : "?"}`;
      if (item.gradText) item.gradText.textContent = `grad ${gradKnown ? fmt(node.grad) : "?"}`;
      const pending = step.pass === "forward" ? !dataKnown : !gradKnown;
      item.g.classList.toggle("step-pending", pending);
      item.op?.classList.toggle("step-pending", step.pass === "forward" && !dataKnown);
    }
    if (step.current) {
      const item = this.index.values.get(step.current);
      item?.g.classList.add("step-current");
      if (step.pass === "forward") {
        item?.op?.classList.add("step-current");
        item?.opEdge?.classList.add("step-edge");
      } else {
        item?.op?.classList.add("step-current");
      }
    }
    for (const id of step.edges || []) this.index.edges.get(id)?.classList.add("step-edge");
    for (const id of step.inputs || []) this.index.values.get(id)?.g.classList.add("step-input");
  }

  // ------------------------------------------------------------------ the view (camera.js)

  fit() {
    this.camera.fit();
  }

  zoomBy(factor) {
    this.camera.zoomBy(factor);
  }

  resize() {
    this.camera.resize();
  }

  /** Bring a node's value shape into view (above `coveredBelow` pixels a sheet hides). */
  reveal(id, coveredBelow = 0) {
    const item = this.index?.values.get(id);
    if (item) this.camera.reveal(item.g, coveredBelow);
  }
}

/** White → amber → deep orange: readable black text at every step. */
export function heat(t) {
  const stops = [
    [0, [255, 255, 255]],
    [0.5, [253, 186, 116]],
    [1, [234, 88, 12]],
  ];
  const x = Math.min(1, Math.max(0, t));
  for (let i = 1; i < stops.length; i += 1) {
    const [t1, c1] = stops[i];
    const [t0, c0] = stops[i - 1];
    if (x <= t1) {
      const u = (x - t0) / (t1 - t0);
      const c = c0.map((v, k) => Math.round(v + (c1[k] - v) * u));
      return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
    }
  }
  return "rgb(234, 88, 12)";
}
