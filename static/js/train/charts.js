// Live loss and accuracy curves (uPlot, loaded as the global `uPlot` by a classic script tag), with
// the values under the pointer shown in the one number format.

import { h } from "../common/dom.js";
import { count } from "../common/format.js";

const MAX_POINTS = 4000; // beyond this the history is thinned to every other step

const STEP_INCREMENTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
const TRAIN = "#4f46e5";
const TEST = "#e8710a";

function options(title, yRange, width, height, onCursor, onDraw) {
  return {
    hooks: { setCursor: [onCursor], draw: [onDraw] },
    title: "",
    width,
    height,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false }, y: yRange ? { range: yRange } : { auto: true } },
    axes: [
      {
        stroke: "#5f6b85",
        grid: { stroke: "#eef0f6" },
        ticks: { stroke: "#dfe3ee" },
        font: "11px system-ui, sans-serif",
        size: 28,
        incrs: STEP_INCREMENTS, // steps are whole numbers
      },
      {
        stroke: "#5f6b85",
        grid: { stroke: "#eef0f6" },
        ticks: { stroke: "#dfe3ee" },
        font: "11px system-ui, sans-serif",
        size: 52,
        values: (u, splits) => tickLabels(splits),
      },
    ],
    series: [
      { label: "step" },
      { label: `train ${title}`, stroke: TRAIN, width: 2, points: { show: false } },
      { label: `test ${title}`, stroke: TEST, width: 2, dash: [6, 4], points: { show: false } },
    ],
  };
}

/** Tick labels with as many decimals as the spacing needs (at most 4), scientific for tiny ones. */
function tickLabels(splits) {
  if (splits.length < 2) return splits.map((v) => String(v));
  const step = Math.abs(splits[1] - splits[0]) || 1;
  const decimals = Math.max(0, Math.min(4, -Math.floor(Math.log10(step))));
  return splits.map((v) => (Math.abs(v) < 1e-4 && v !== 0 ? v.toExponential(1) : v.toFixed(decimals)));
}

class Chart {
  constructor(container, title, yRange, pick, show, format) {
    this.container = container;
    this.show = show; // (train, test) -> updates the latest values next to the chart
    this.pick = pick; // metrics -> [train, test]
    this.format = format; // a value -> text
    this.data = [[], [], []];
    this.hover = h("div", { class: "chart-hover mono", hidden: true });
    container.appendChild(this.hover);
    this.marker = null; // the past step being viewed (time travel), marked by a line
    this.plot = new uPlot(options(title, yRange, 300, 120, (u) => this.#cursor(u), (u) => this.#drawMarker(u)), this.data, container);
    this.pending = false;
    new ResizeObserver(() => this.#fit()).observe(container);
  }

  #fit() {
    const h = this.container.clientHeight;
    const w = this.container.clientWidth;
    if (w > 40 && h > 40) this.plot.setSize({ width: w, height: h });
  }

  #cursor(u) {
    const i = u.cursor.idx;
    if (i === null || i === undefined || u.cursor.left < 0) {
      this.hover.hidden = true;
      return;
    }
    const [steps, train, test] = this.data;
    const text = `step ${count(steps[i])} · train ${this.format(train[i])}${test[i] === null ? "" : ` · test ${this.format(test[i])}`}`;
    this.hover.textContent = text;
    this.hover.hidden = false;
  }

  /** Mark `step` (time travel) with a vertical line; null takes it away. */
  mark(step) {
    this.marker = step;
    this.plot.redraw(false);
  }

  #drawMarker(u) {
    if (this.marker === null) return;
    const x = u.valToPos(this.marker, "x", true);
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = getComputedStyle(this.container).getPropertyValue("--warn"); // time travel's colour
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
  }

  reset(history) {
    this.data = [[], [], []];
    this.append(history);
  }

  append(metrics) {
    const [steps, train, test] = this.data;
    for (const m of metrics) {
      if (steps.length && m.step === steps[steps.length - 1]) {
        // the same step measured again (after a hand edit of a weight): its new numbers
        [train[train.length - 1], test[test.length - 1]] = this.pick(m);
        continue;
      }
      if (steps.length && m.step < steps[steps.length - 1]) continue;
      const [a, b] = this.pick(m);
      steps.push(m.step);
      train.push(a);
      test.push(b);
    }
    this.container.classList.toggle("has-data", steps.length > 0);
    if (train.length) this.show(train[train.length - 1], test[test.length - 1]);
    else this.show(null, null);
    if (steps.length > MAX_POINTS) this.data = this.data.map((s) => s.filter((_, i) => i % 2 === 0 || i === s.length - 1));
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.plot.setData(this.data);
      });
    }
  }

  /** How many steps are plotted (tests read this). */
  get length() {
    return this.data[0].length;
  }
}

const finite = (x) => (x === null || x === undefined || !Number.isFinite(x) ? null : x);

export class Charts {
  /**
   * @param {Function} show  show(kind, train, test): the latest values, for the chart headers
   * @param {{loss: Function, accuracy: Function}} format  how each chart's values read
   */
  constructor(lossEl, accEl, show, format) {
    this.loss = new Chart(lossEl, "loss", null, (m) => [finite(m.train_loss), finite(m.test_loss)], (a, b) => show("loss", a, b), format.loss);
    this.accuracy = new Chart(
      accEl,
      "accuracy",
      [0, 1],
      (m) => [finite(m.train_accuracy), finite(m.test_accuracy)],
      (a, b) => show("accuracy", a, b),
      format.accuracy,
    );
  }

  reset(history) {
    this.loss.reset(history);
    this.accuracy.reset(history);
  }

  append(metrics) {
    this.loss.append(metrics);
    this.accuracy.append(metrics);
  }

  mark(step) {
    this.loss.mark(step);
    this.accuracy.mark(step);
  }
}
