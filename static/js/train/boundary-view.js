// The output plot: the model's output over the plane as a heatmap (a decision boundary, or a
// regression's values), the train and test points over it. Clicking a point asks for its graph; in
// drawing mode clicking empty space adds a point. Hovering a neuron shows that neuron's output instead.

import { cellColor, classColor, tint, valueColor } from "./colors.js";
import { gridScale } from "./neuron-maps.js";

const POINT_RADIUS = 5; // CSS pixels
const HIT_RADIUS = 9;
const EMPTY_EXTENT = { x_min: -2, x_max: 2, y_min: -2, y_max: 2 };

export class BoundaryView {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onPoint?: Function, onAdd?: Function, onRemove?: Function, onHover?: Function}} handlers
   */
  constructor(canvas, handlers = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.handlers = handlers;
    this.data = null;
    this.boundary = null;
    this.extent = { ...EMPTY_EXTENT };
    this.drawClass = null; // a class index while drawing points, else null
    this.selected = null; // {split, index}
    this.fixedView = false; // drawing points: keep the view still while the data changes
    this.showTest = true;
    this.discretize = false;
    this.overlay = null; // {grid, res}: one neuron's output, shown instead of the model's
    this.size = 300;
    this.heat = document.createElement("canvas");
    canvas.addEventListener("click", (e) => this.#click(e));
    canvas.addEventListener("mousemove", (e) => this.#hover(e));
    canvas.addEventListener("mouseleave", () => this.handlers.onHover?.(null));
  }

  /** Fit the canvas into a square of `size` CSS pixels. */
  resize(size) {
    this.size = Math.max(120, Math.floor(size));
    const dpr = window.devicePixelRatio || 1;
    this.canvas.style.width = this.canvas.style.height = `${this.size}px`;
    this.canvas.width = this.canvas.height = Math.round(this.size * dpr);
    this.draw();
  }

  setData(data) {
    this.data = data;
    if (this.fixedView) this.extent = union(EMPTY_EXTENT, dataExtent(data, 0.2));
    else if (!this.boundary) this.extent = dataExtent(data);
    this.draw();
  }

  setBoundary(boundary) {
    this.boundary = boundary;
    if (boundary && !this.fixedView) {
      this.extent = { x_min: boundary.x_min, x_max: boundary.x_max, y_min: boundary.y_min, y_max: boundary.y_max };
    }
    this.draw();
  }

  clearBoundary() {
    this.boundary = null;
    this.draw();
  }

  select(sel) {
    this.selected = sel;
    this.draw();
  }

  /** Show one neuron's output (a res*res grid over the current extent, row 0 at the top), or null. */
  setOverlay(grid, res) {
    this.overlay = grid ? { grid, res } : null;
    this.draw();
  }

  setView({ showTest = this.showTest, discretize = this.discretize } = {}) {
    Object.assign(this, { showTest, discretize });
    this.draw();
  }

  get isRegression() {
    return this.data?.n_classes === 0;
  }

  /** Whether anything beyond the background has been painted (tests read this through the DOM). */
  get painted() {
    return this.boundary !== null;
  }

  // ------------------------------------------------------------ drawing

  draw() {
    const { ctx, canvas } = this;
    const dpr = canvas.width / this.size;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    // With the view held still for drawing, the model's grid may cover only part of it: grey is "not computed".
    ctx.fillStyle = this.boundary && this.fixedView ? "#eceef4" : "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (this.overlay) this.#drawOverlay();
    else if (this.boundary) this.#drawHeat();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.#drawAxes();
    this.#drawPoints();
    this.canvas.dataset.painted = this.boundary ? "yes" : "no";
    this.canvas.dataset.overlay = this.overlay ? "yes" : "no";
  }

  #drawHeat() {
    const b = this.boundary;
    const n = b.resolution;
    this.heat.width = this.heat.height = n;
    const hctx = this.heat.getContext("2d");
    const img = hctx.createImageData(n, n);
    for (let iy = 0; iy < n; iy++) {
      for (let ix = 0; ix < n; ix++) {
        const [r, g, bl] = cellColor(b.cells[iy * n + ix], b.n_classes, this.discretize);
        const o = ((n - 1 - iy) * n + ix) * 4; // row 0 is y_min: the bottom of the picture
        img.data[o] = r;
        img.data[o + 1] = g;
        img.data[o + 2] = bl;
        img.data[o + 3] = 255;
      }
    }
    hctx.putImageData(img, 0, 0);
    // The grid covers the boundary's own extent, which is the whole view unless the view is fixed.
    const dpr = this.canvas.width / this.size;
    const [x0, y0] = this.toPixel(b.x_min, b.y_max);
    const [x1, y1] = this.toPixel(b.x_max, b.y_min);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.imageSmoothingQuality = "high";
    this.ctx.drawImage(this.heat, x0 * dpr, y0 * dpr, (x1 - x0) * dpr, (y1 - y0) * dpr);
  }

  #drawOverlay() {
    const { grid, res } = this.overlay;
    const scale = gridScale(grid);
    this.heat.width = this.heat.height = res;
    const hctx = this.heat.getContext("2d");
    const img = hctx.createImageData(res, res);
    for (let k = 0; k < grid.length; k++) {
      let v = Number.isFinite(grid[k]) ? grid[k] / scale : 0;
      if (this.discretize) v = v > 0 ? 1 : v < 0 ? -1 : 0;
      const [r, g, b] = tint(v >= 0 ? 1 : 0, Math.abs(v), 0.75);
      img.data.set([r, g, b, 255], k * 4);
    }
    hctx.putImageData(img, 0, 0);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(this.heat, 0, 0, this.canvas.width, this.canvas.height);
  }

  #drawAxes() {
    const { ctx, extent } = this;
    const s = this.size;
    ctx.save();
    ctx.strokeStyle = "rgba(29, 36, 51, 0.12)";
    ctx.fillStyle = "rgba(29, 36, 51, 0.55)";
    ctx.font = "11px system-ui, sans-serif";
    ctx.lineWidth = 1;
    const step = niceStep(Math.max(extent.x_max - extent.x_min, extent.y_max - extent.y_min) / 5);
    for (let v = Math.ceil(extent.x_min / step) * step; v <= extent.x_max; v += step) {
      const [px] = this.toPixel(v, 0);
      ctx.beginPath();
      ctx.moveTo(px, 0);
      ctx.lineTo(px, s);
      ctx.stroke();
      ctx.textAlign = "center";
      if (px > 16 && px < s - 12) ctx.fillText(label(v), px, s - 4);
    }
    for (let v = Math.ceil(extent.y_min / step) * step; v <= extent.y_max; v += step) {
      const [, py] = this.toPixel(0, v);
      ctx.beginPath();
      ctx.moveTo(0, py);
      ctx.lineTo(s, py);
      ctx.stroke();
      ctx.textAlign = "left";
      if (py > 14 && py < s - 18) ctx.fillText(label(v), 4, py - 3);
    }
    ctx.restore();
  }

  #drawPoints() {
    const { ctx } = this;
    const regression = this.isRegression;
    const drawOne = (x, y, k, test, selected) => {
      const [px, py] = this.toPixel(x, y);
      ctx.beginPath();
      ctx.arc(px, py, selected ? POINT_RADIUS + 2 : POINT_RADIUS, 0, 2 * Math.PI);
      ctx.fillStyle = regression ? valueColor(k) : classColor(k);
      ctx.fill();
      ctx.lineWidth = test ? 2 : 1.4;
      ctx.strokeStyle = test || regression ? "#1d2433" : "#ffffff"; // a value near 0 is near white
      ctx.stroke();
      if (selected) {
        ctx.beginPath();
        ctx.arc(px, py, POINT_RADIUS + 6, 0, 2 * Math.PI);
        ctx.lineWidth = 2.5;
        ctx.strokeStyle = "#1d2433";
        ctx.stroke();
      }
    };
    if (!this.data) return;
    const sel = this.selected;
    const { X_train, y_train, X_test, y_test } = this.data;
    X_train.forEach(([x, y], i) => drawOne(x, y, y_train[i], false, false));
    if (this.showTest) X_test.forEach(([x, y], i) => drawOne(x, y, y_test[i], true, false));
    if (sel) {
      const X = sel.split === "train" ? X_train : X_test;
      const Y = sel.split === "train" ? y_train : y_test;
      if (X[sel.index]) drawOne(X[sel.index][0], X[sel.index][1], Y[sel.index], sel.split === "test", true);
    }
  }

  // ------------------------------------------------------------ coordinates and clicks

  toPixel(x, y) {
    const e = this.extent;
    return [((x - e.x_min) / (e.x_max - e.x_min)) * this.size, (1 - (y - e.y_min) / (e.y_max - e.y_min)) * this.size];
  }

  toData(px, py) {
    const e = this.extent;
    return [e.x_min + (px / this.size) * (e.x_max - e.x_min), e.y_min + (1 - py / this.size) * (e.y_max - e.y_min)];
  }

  /** The datapoint nearest to a pixel, within the hit radius: {split, index} or null. */
  pointAt(px, py) {
    if (!this.data) return null;
    let best = null;
    let bestD = HIT_RADIUS * HIT_RADIUS;
    for (const split of this.showTest ? ["train", "test"] : ["train"]) {
      const X = split === "train" ? this.data.X_train : this.data.X_test;
      X.forEach(([x, y], index) => {
        const [qx, qy] = this.toPixel(x, y);
        const d = (qx - px) ** 2 + (qy - py) ** 2;
        if (d <= bestD) {
          bestD = d;
          best = { split, index };
        }
      });
    }
    return best;
  }

  /** Pixel position (in page coordinates) of a datapoint, for tests and popovers. */
  pagePosition(split, index) {
    const X = split === "train" ? this.data.X_train : this.data.X_test;
    const [px, py] = this.toPixel(...X[index]);
    const rect = this.canvas.getBoundingClientRect();
    return [rect.left + px, rect.top + py];
  }

  #local(e) {
    const rect = this.canvas.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  }

  #click(e) {
    const [px, py] = this.#local(e);
    if (this.drawClass !== null) {
      if (e.shiftKey) {
        this.handlers.onRemove?.(this.toData(px, py), (HIT_RADIUS / this.size) * (this.extent.x_max - this.extent.x_min));
      } else {
        this.handlers.onAdd?.([...this.toData(px, py), this.drawClass]);
      }
      return;
    }
    const hit = this.pointAt(px, py);
    if (hit) this.handlers.onPoint?.(hit);
  }

  #hover(e) {
    const [px, py] = this.#local(e);
    const hit = this.drawClass === null ? this.pointAt(px, py) : null;
    this.canvas.style.cursor = this.drawClass !== null ? "copy" : hit ? "pointer" : "crosshair";
    this.handlers.onHover?.(hit, e);
  }
}

/** The data's bounding box with a margin (before the first boundary arrives). */
function dataExtent(data, minPad = 0.5) {
  const pts = [...data.X_train, ...data.X_test];
  if (!pts.length) return { ...EMPTY_EXTENT };
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const pad = (lo, hi) => Math.max(minPad, (hi - lo) * 0.1);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  return { x_min: x0 - pad(x0, x1), x_max: x1 + pad(x0, x1), y_min: y0 - pad(y0, y1), y_max: y1 + pad(y0, y1) };
}

function union(a, b) {
  return {
    x_min: Math.min(a.x_min, b.x_min),
    x_max: Math.max(a.x_max, b.x_max),
    y_min: Math.min(a.y_min, b.y_min),
    y_max: Math.max(a.y_max, b.y_max),
  };
}

function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function label(v) {
  const r = Math.round(v * 1000) / 1000;
  return Object.is(r, -0) ? "0" : String(r);
}
