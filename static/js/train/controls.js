// The settings controls, built from the server's options: selects, sliders, dataset tiles, feature
// toggles, drawing classes. Shows a config and reports each change the user makes.

import { h, replaceChildren } from "../common/dom.js";
import { drawFeature, drawThumbnail } from "./thumbnails.js";

const SHOW = {
  n_points: (v) => String(v),
  noise: (v) => Number(v).toFixed(2),
  test_fraction: (v) => `${Math.round(v * 100)}%`,
};
const DRAW_CLASSES = 4; // classes offered for drawing points (more come from a CSV)

export class Controls {
  /**
   * @param {HTMLElement} root  the page (controls are found by their data-field attributes)
   * @param {import("./options.js").Options} options
   * @param {{onChange: Function, onDrawClass: Function}} handlers  onChange(field, value)
   */
  constructor(root, options, handlers) {
    this.root = root;
    this.options = options;
    this.handlers = handlers;
    this.readOnly = false; // watching someone else's run
    this.config = null;
    this.fields = new Map();
    for (const node of root.querySelectorAll("[data-field]")) this.fields.set(node.dataset.field, node);
    this.#fillSelects();
    this.#setRanges();
    this.tiles = root.querySelector("#dataset-tiles");
    this.featureBox = root.querySelector("#feature-toggles");
    this.#makeTiles();
    this.#makeFeatures();
    this.#makeDrawClasses();
    for (const [field, node] of this.fields) {
      node.addEventListener("change", () => this.handlers.onChange(field, this.#read(field, node)));
      if (node.type === "range") node.addEventListener("input", () => this.#showValue(field, node.value));
    }
  }

  #fillSelects() {
    const o = this.options;
    const option = (value, text, title) => h("option", { value: value === null ? "" : String(value), title }, text);
    for (const [field, node] of this.fields) {
      if (node.tagName !== "SELECT") continue;
      let items;
      if (o.fields[field].choices) items = o.choices(field).map((c) => option(c.value, c.label, c.title));
      else if (field === "batch_size") items = o.presets(field).map((v) => option(v, v === null ? "Full batch" : String(v)));
      else if (field === "n_classes") items = o.presets(field).filter((v) => v <= o.max(field)).map((v) => option(v, String(v)));
      else items = o.presets(field).map((v) => option(v, String(v)));
      replaceChildren(node, items);
    }
  }

  #setRanges() {
    const o = this.options;
    const set = (field, attrs) => Object.entries(attrs).forEach(([k, v]) => this.fields.get(field).setAttribute(k, String(v)));
    const [pointsMin, pointsStep] = o.presets("n_points");
    set("n_points", { min: pointsMin, max: o.max("n_points"), step: pointsStep });
    const [noiseMin, noiseMax, noiseStep] = o.presets("noise");
    set("noise", { min: noiseMin, max: noiseMax, step: noiseStep });
    const [testMin, testMax, testStep] = o.presets("test_fraction");
    set("test_fraction", { min: testMin, max: testMax, step: testStep });
    set("seed", { min: o.fields.seed.min, max: o.fields.seed.max });
    set("total_steps", { min: o.fields.total_steps.min });
  }

  #makeTiles() {
    replaceChildren(
      this.tiles,
      this.options.choices("dataset").map(({ value, label, title }) => {
        const canvas = h("canvas", { width: 96, height: 96 });
        drawThumbnail(canvas, value);
        return h(
          "button",
          { type: "button", class: "tile", role: "radio", dataset: { dataset: value }, title, onclick: () => this.handlers.onChange("dataset", value) },
          canvas,
          h("span", {}, label),
        );
      }),
    );
  }

  #makeFeatures() {
    replaceChildren(
      this.featureBox,
      this.options.choices("features").map(({ value, label }) => {
        const canvas = h("canvas", { width: 40, height: 40, "aria-hidden": "true" });
        drawFeature(canvas, value);
        return h(
          "button",
          { type: "button", class: "feature", "aria-pressed": "false", dataset: { feature: value }, title: `Feed ${label} to the network`, onclick: () => this.#toggleFeature(value) },
          canvas,
          h("span", {}, label),
        );
      }),
    );
  }

  #toggleFeature(name) {
    const current = this.config.features;
    const on = current.includes(name);
    if (on && current.length === 1) return; // the network needs at least one input
    const order = this.options.values("features");
    const next = on ? current.filter((f) => f !== name) : order.filter((f) => f === name || current.includes(f));
    this.handlers.onChange("features", next);
  }

  #makeDrawClasses() {
    const box = this.root.querySelector("#draw-classes");
    replaceChildren(
      box,
      Array.from({ length: DRAW_CLASSES }, (_, k) =>
        h("button", { type: "button", class: "seg", "aria-pressed": String(k === 0), dataset: { drawClass: String(k) }, onclick: () => this.handlers.onDrawClass(k) }, h("i", { class: `dot c${k}` }), String(k)),
      ),
    );
  }

  showDrawClass(k) {
    for (const seg of this.root.querySelectorAll("[data-draw-class]")) seg.setAttribute("aria-pressed", String(Number(seg.dataset.drawClass) === k));
  }

  #read(field, node) {
    if (field === "batch_size") return node.value === "" ? null : Number(node.value);
    const kind = this.options.fields[field].kind;
    return kind === "int" || kind === "number" ? Number(node.value) : node.value;
  }

  #showValue(field, value) {
    const out = this.root.querySelector(`[data-out="${field}"]`);
    if (out) out.textContent = SHOW[field] ? SHOW[field](Number(value)) : value;
  }

  /** Show `config` in every control (no change events). */
  show(config) {
    this.config = config;
    for (const [field, node] of this.fields) {
      const value = config[field];
      if (value === undefined) continue;
      if (node.tagName === "SELECT") {
        const text = value === null ? "" : String(value);
        if (![...node.options].some((o) => o.value === text)) node.appendChild(h("option", { value: text }, text)); // from a URL or another client
        node.value = text;
      } else {
        node.value = value;
        this.#showValue(field, value);
      }
    }
    for (const tile of this.tiles.children) tile.setAttribute("aria-checked", String(tile.dataset.dataset === config.dataset));
    for (const b of this.featureBox.children) b.setAttribute("aria-pressed", String(config.features.includes(b.dataset.feature)));
    const kind = this.options.kind(config.dataset);
    this.root.querySelector("#classes-field").hidden = !kind.multiclass;
    this.root.querySelector("#features-group").hidden = !kind.planar;
    this.root.querySelector("#draw-tools").hidden = config.dataset !== "custom";
    for (const field of ["n_points", "noise"]) this.fields.get(field).closest("label").hidden = kind.custom;
    // The lecture's points are fixed: the generator's knobs stay in place, greyed out.
    const fixed = !kind.planar;
    for (const field of ["n_points", "noise", "test_fraction"]) {
      const label = this.fields.get(field).closest("label");
      this.fields.get(field).disabled = this.readOnly || fixed;
      label.classList.toggle("off", fixed);
      label.title = fixed ? "The lecture's 4 points are fixed" : "";
    }
  }

  /** Read-only (watching someone else's run) or not. */
  setEnabled(enabled) {
    this.readOnly = !enabled;
    const parts = ".settings select, .settings input, .runbar select, .tile, .feature, .pm-btn, #reseed, #clear-points, .seg, .upload-btn";
    for (const node of this.root.querySelectorAll(parts)) {
      if (node.tagName === "LABEL") node.classList.toggle("disabled", !enabled);
      else node.disabled = !enabled;
    }
  }
}
