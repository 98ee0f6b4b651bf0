// The output panel for the lecture's 4-point set: three features have no 2-D picture, so instead of a
// decision boundary it is a table of the points, their ±1 targets, the model's current score on each
// and whether that score is on the target's side of 0. Clicking a row asks for that point's graph.

import { h, replaceChildren } from "../common/dom.js";
import { fmt } from "../common/format.js";

export class LectureView {
  /**
   * @param {HTMLElement} container
   * @param {{onPoint?: Function}} handlers onPoint({split: "train", index}) when a row is clicked
   */
  constructor(container, handlers = {}) {
    this.container = container;
    this.handlers = handlers;
    this.data = null;
    this.scores = null;
    this.selected = null;
    container.addEventListener("click", (e) => this.#click(e));
    container.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        this.#click(e);
      }
    });
  }

  /** The dataset (X_train rows of 3 numbers, y_train classes 0/1); scores wait for the next event. */
  setData(data) {
    this.data = data;
    this.scores = null;
    this.#render();
  }

  /** The model's outputs on each training point (one list per point), from a live event. */
  setScores(scores) {
    this.scores = scores;
    this.#render();
  }

  select(sel) {
    this.selected = sel;
    for (const row of this.container.querySelectorAll("tr[data-index]")) {
      row.classList.toggle("selected", sel !== null && Number(row.dataset.index) === sel.index);
    }
  }

  /** How many points the model has right now (null before the first scores). */
  get right() {
    if (!this.data || !this.scores) return null;
    return this.data.y_train.filter((c, i) => this.scores[i] && predicted(this.scores[i]) === c).length;
  }

  #render() {
    const data = this.data;
    if (!data) {
      this.container.replaceChildren();
      return;
    }
    const rows = data.X_train.map((x, i) => {
      const label = data.y_train[i];
      const score = this.scores?.[i];
      let scoreCell = h("td", { class: "num muted" }, "–");
      let rightCell = h("td", { class: "verdict" });
      if (score) {
        const ok = predicted(score) === label;
        const shown = score.map((s) => fmt(Number(s))).join(", ");
        scoreCell = h("td", { class: "num score" }, shown);
        rightCell = h("td", { class: `verdict ${ok ? "ok" : "bad"}`, "aria-label": ok ? "right" : "wrong" }, ok ? "✓ right" : "✗ wrong");
      }
      return h(
        "tr",
        {
          dataset: { index: String(i) },
          class: this.selected?.index === i ? "selected" : null,
          tabindex: "0",
          title: `Point #${i}: click for its graph through the network`,
        },
        h("td", { class: "idx" }, String(i)),
        x.map((v) => h("td", { class: "num" }, fmt(v))),
        h("td", { class: "num target" }, h("i", { class: `dot c${label}` }), label === 1 ? "+1" : "−1"),
        scoreCell,
        rightCell,
      );
    });
    const features = data.X_train[0]?.length ?? 0;
    const right = this.right;
    const summary = right === null ? "" : `· ${right} of ${data.y_train.length} right`;
    replaceChildren(
      this.container,
      h(
        "table",
        { class: "lecture-table" },
        h("caption", {}, "The lecture's 4 points ", h("span", { class: "muted" }, summary)),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "#"),
            Array.from({ length: features }, (_, k) => h("th", { class: "num feature" }, `x${k + 1}`)),
            h("th", { class: "num" }, "target"),
            h("th", { class: "num" }, "score"),
            h("th", {}, "right?"),
          ),
        ),
        h("tbody", {}, rows),
      ),
      h(
        "p",
        { class: "lecture-note muted" },
        "Three inputs have no 2-D picture, so here are the points themselves. A point is right when its score has its target's sign.",
      ),
    );
  }

  #click(e) {
    const row = e.target.closest("tr[data-index]");
    if (!row) return;
    const point = { split: "train", index: Number(row.dataset.index) };
    this.handlers.onPoint?.(point);
  }
}

/** The class a model's outputs vote for, as engine.losses.predicted_class. */
function predicted(score) {
  if (score.length === 1) return Number(score[0]) > 0 ? 1 : 0;
  let best = 0;
  score.forEach((s, k) => {
    if (Number(s) > Number(score[best])) best = k;
  });
  return best;
}
