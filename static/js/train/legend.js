// The plot's legend: a colour for every class (or the value scale of a regression, with numbers),
// and what the train and test markers look like.

import { h, replaceChildren } from "../common/dom.js";
import { valueColor } from "./colors.js";

const SCALE_TICKS = [-1, -0.5, 0, 0.5, 1];

/**
 * @param {HTMLElement} box
 * @param {{nClasses: number, planar: boolean, hasTest: boolean, labels?: string[]}} what
 */
export function renderLegend(box, { nClasses, planar, hasTest }) {
  if (!planar) {
    replaceChildren(
      box,
      h("span", { class: "legend-item" }, h("i", { class: "dot c1" }), "target +1"),
      h("span", { class: "legend-item" }, h("i", { class: "dot c0" }), "target −1"),
      h("span", { class: "muted legend-hint" }, "Click a row: its graph through the network"),
    );
    return;
  }
  const markers = [
    h("span", { class: "legend-item" }, h("i", { class: "dot marker" }), "train"),
    hasTest ? h("span", { class: "legend-item" }, h("i", { class: "dot marker hollow" }), "test") : null,
  ];
  if (nClasses === 0) {
    const bar = h("span", { class: "value-scale", role: "img", "aria-label": "Colour scale from -1 (orange) to +1 (blue)" });
    bar.style.background = `linear-gradient(90deg, ${SCALE_TICKS.map((v) => valueColor(v)).join(", ")})`;
    replaceChildren(
      box,
      h(
        "span",
        { class: "legend-item legend-scale" },
        h("span", { class: "legend-name" }, "value"),
        h("span", { class: "scale-wrap" }, bar, h("span", { class: "scale-ticks mono" }, SCALE_TICKS.map((v) => h("span", {}, v > 0 ? `+${v}` : String(v))))),
      ),
      markers,
    );
    return;
  }
  replaceChildren(
    box,
    h("span", { class: "legend-name" }, "class"),
    Array.from({ length: nClasses }, (_, k) => h("span", { class: "legend-item", dataset: { class: String(k) } }, h("i", { class: `dot c${k}` }), String(k))),
    h("span", { class: "legend-sep", "aria-hidden": "true" }),
    markers,
    h("span", { class: "muted legend-hint" }, "Click a point: its graph through the network"),
  );
}
