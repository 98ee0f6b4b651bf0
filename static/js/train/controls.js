// The settings controls: fills the selects and dataset tiles, shows a config, reports changes.

import { CHOICES, LABELS, LECTURE, MULTI_CLASS_DATASETS, TITLES } from "./config.js";
import { classColor } from "./colors.js";

const FORMAT = {
  n_points: (v) => String(v),
  noise: (v) => Number(v).toFixed(2),
  test_fraction: (v) => `${Math.round(v * 100)}%`,
};

export class Controls {
  /**
   * @param {HTMLElement} root  the page (controls are found by their data-field attributes)
   * @param {{onChange: Function}} handlers  onChange(field, value) after the user changes one
   */
  constructor(root, handlers, limits) {
    this.root = root;
    this.handlers = handlers;
    this.limits = limits;
    this.readOnly = false; // watching someone else's run
    this.fields = new Map();
    for (const node of root.querySelectorAll("[data-field]")) this.fields.set(node.dataset.field, node);
    this.#fillSelects();
    this.tiles = root.querySelector("#dataset-tiles");
    this.#makeTiles();
    for (const [field, node] of this.fields) {
      const event = node.type === "range" ? "change" : "change";
      node.addEventListener(event, () => this.handlers.onChange(field, this.#read(field, node)));
      if (node.type === "range") node.addEventListener("input", () => this.#showValue(field, node.value));
    }
  }

  #fillSelects() {
    const option = (value, text) => {
      const o = document.createElement("option");
      o.value = value === null ? "" : String(value);
      o.textContent = text;
      return o;
    };
    for (const [field, node] of this.fields) {
      if (node.tagName !== "SELECT") continue;
      let values = CHOICES[field];
      if (field === "n_classes") values = [2, 3, 4, 5];
      if (!values) continue;
      node.replaceChildren(
        ...values.map((v) => {
          if (field === "batch_size") return option(v, v === null ? "Full batch" : String(v));
          if (field === "learning_rate" || field === "reg_strength") return option(v, String(v));
          const o = option(v, LABELS[field]?.[v] ?? String(v));
          if (TITLES[field]?.[v]) o.title = TITLES[field][v];
          return o;
        }),
      );
    }
  }

  #makeTiles() {
    this.tiles.replaceChildren(
      ...CHOICES.dataset.map((name) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "tile";
        b.setAttribute("role", "radio");
        b.dataset.dataset = name;
        b.title = LABELS.dataset[name];
        const canvas = document.createElement("canvas");
        canvas.width = canvas.height = 96;
        drawThumbnail(canvas, name);
        const label = document.createElement("span");
        label.textContent = LABELS.dataset[name];
        b.append(canvas, label);
        b.addEventListener("click", () => this.handlers.onChange("dataset", name));
        return b;
      }),
    );
  }

  #read(field, node) {
    if (field === "batch_size") return node.value === "" ? null : Number(node.value);
    if (node.type === "range" || node.type === "number" || ["learning_rate", "reg_strength", "n_classes"].includes(field)) {
      return Number(node.value);
    }
    return node.value;
  }

  #showValue(field, value) {
    const out = this.root.querySelector(`[data-out="${field}"]`);
    if (out) out.textContent = FORMAT[field] ? FORMAT[field](Number(value)) : value;
  }

  /** Show `config` in every control (no change events). */
  show(config) {
    for (const [field, node] of this.fields) {
      let value = config[field];
      if (value === undefined) continue;
      if (node.tagName === "SELECT") {
        const text = value === null ? "" : String(value);
        if (![...node.options].some((o) => o.value === text)) {
          // a value from a URL or another client that the list lacks: add it so it shows as it is
          const o = document.createElement("option");
          o.value = text;
          o.textContent = text;
          node.appendChild(o);
        }
        node.value = text;
      } else {
        node.value = value;
        this.#showValue(field, value);
      }
    }
    for (const tile of this.tiles.children) tile.setAttribute("aria-checked", String(tile.dataset.dataset === config.dataset));
    this.root.querySelector("#classes-field").hidden = !MULTI_CLASS_DATASETS.has(config.dataset);
    const custom = config.dataset === "custom";
    this.root.querySelector("#draw-tools").hidden = !custom;
    for (const field of ["n_points", "noise"]) this.fields.get(field).closest("label").hidden = custom;
    // The lecture's points are fixed: the generator's knobs stay in place, greyed out.
    const lecture = config.dataset === LECTURE;
    for (const field of ["n_points", "noise", "test_fraction"]) {
      const input = this.fields.get(field);
      input.disabled = this.readOnly || lecture;
      input.closest("label").classList.toggle("off", lecture);
      input.closest("label").title = lecture ? "The lecture's 4 points are fixed" : "";
    }
  }

  /** Read-only (watching someone else's run) or not. */
  setEnabled(enabled) {
    this.readOnly = !enabled;
    for (const node of this.root.querySelectorAll("select, input, .tile, .pm-btn, #reseed, #clear-points, .seg")) {
      if (node.id === "share-url") continue;
      node.disabled = !enabled;
    }
  }
}

// ------------------------------------------------------------------ dataset thumbnails

function rng(seed) {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) % 4294967296;
    return s / 4294967296;
  };
}

function gauss(r) {
  return Math.sqrt(-2 * Math.log(r() + 1e-9)) * Math.cos(2 * Math.PI * r());
}

/** Rough pictures of each dataset's shape (drawn here, not fetched: they only hint at the shape). */
function thumbnailPoints(name) {
  const r = rng(7);
  const pts = [];
  const n = 60;
  for (let i = 0; i < n; i++) {
    const k = i % 2;
    const t = r() * Math.PI;
    if (name === "moons") {
      pts.push(k ? [1 - Math.cos(t) + gauss(r) * 0.08, 0.5 - Math.sin(t) + gauss(r) * 0.08, 1] : [Math.cos(t) + gauss(r) * 0.08, Math.sin(t) + gauss(r) * 0.08, 0]);
    } else if (name === "circles") {
      const a = r() * 2 * Math.PI;
      const rad = k ? 0.45 + gauss(r) * 0.08 : 1 + gauss(r) * 0.06;
      pts.push([rad * Math.cos(a), rad * Math.sin(a), k]);
    } else if (name === "xor") {
      const x = r() * 2 - 1;
      const y = r() * 2 - 1;
      pts.push([x, y, x * y > 0 ? 1 : 0]);
    } else if (name === "spiral") {
      const s = r();
      const a = s * 3.2 + k * Math.PI;
      pts.push([s * Math.cos(a) + gauss(r) * 0.04, s * Math.sin(a) + gauss(r) * 0.04, k]);
    } else if (name === "blobs") {
      const c = i % 3;
      const centers = [[-0.6, -0.4], [0.6, -0.4], [0, 0.6]];
      pts.push([centers[c][0] + gauss(r) * 0.2, centers[c][1] + gauss(r) * 0.2, c]);
    } else if (name === "linear") {
      const x = r() * 2 - 1;
      const y = r() * 2 - 1;
      pts.push([x, y, y > 0.6 * x ? 1 : 0]);
    } else if (name === "custom" && i < 14) {
      pts.push([r() * 1.6 - 0.8, r() * 1.6 - 0.8, r() > 0.5 ? 1 : 0]);
    }
  }
  return pts;
}

/** The lecture's set: its 4 points in a small 3-D box (x3 drawn as depth). */
function drawLectureThumbnail(ctx, s) {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, s, s);
  const o = [s * 0.36, s * 0.5];
  const project = ([x, y, z]) => [o[0] + x * s * 0.15 - z * s * 0.13, o[1] - y * s * 0.1 + z * s * 0.08];
  ctx.strokeStyle = "#aeb6c9";
  ctx.lineWidth = 3;
  ctx.lineCap = "round";
  for (const axis of [[3.4, 0, 0], [0, 3.6, 0], [0, 0, 2]]) {
    const [x, y] = project(axis);
    ctx.beginPath();
    ctx.moveTo(o[0], o[1]);
    ctx.lineTo(x, y);
    ctx.stroke();
  }
  const points = [[2, 3, -1, 1], [3, -1, 0.5, 0], [0.5, 1, 1, 0], [1, 1, -1, 1]];
  for (const [x, y, z, k] of points) {
    const [px, py] = project([x, y, z]);
    ctx.beginPath();
    ctx.arc(px, py, 9, 0, 2 * Math.PI);
    ctx.fillStyle = classColor(k);
    ctx.fill();
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 2;
    ctx.stroke();
  }
}

function drawThumbnail(canvas, name) {
  const ctx = canvas.getContext("2d");
  if (name === LECTURE) {
    drawLectureThumbnail(ctx, canvas.width);
    return;
  }
  const pts = thumbnailPoints(name);
  const s = canvas.width;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, s, s);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = 0.72 * s / Math.max(x1 - x0, y1 - y0, 1e-6);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  for (const [x, y, k] of pts) {
    ctx.beginPath();
    ctx.arc(s / 2 + (x - cx) * scale, s * 0.44 - (y - cy) * scale, 4, 0, 2 * Math.PI);
    ctx.fillStyle = classColor(k);
    ctx.fill();
  }
  if (name === "custom") {
    ctx.strokeStyle = "#5f6b85";
    ctx.lineWidth = 5;
    ctx.lineCap = "round";
    ctx.beginPath();
    ctx.moveTo(s * 0.62, s * 0.62);
    ctx.lineTo(s * 0.82, s * 0.18);
    ctx.stroke();
  }
}
