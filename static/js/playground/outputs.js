// What a run says besides its drawing: the "Backprop from" choices, the printed lines, the sizes.

import { h, replaceChildren } from "../common/dom.js";

/** The variables that may be the output; `current` stays chosen while it is one of them. */
export function showOutputs(select, graph, current) {
  const names = [];
  for (const node of graph.nodes) if (node.name && !names.includes(node.name)) names.push(node.name);
  const output = graph.output === null ? {} : graph.nodes[Number(graph.output.slice(1))];
  replaceChildren(
    select,
    h("option", { value: "" }, `last value${output.name && !current ? ` (${output.name})` : ""}`),
    names.map((name) => h("option", { value: name }, name)),
  );
  select.value = current && names.includes(current) ? current : "";
}

export function showPrints(box, text, prints = []) {
  box.hidden = prints.length === 0;
  text.textContent = prints.map((p) => p.text).join("\n");
}

export function showStatus(el, graph) {
  const s = graph.stats;
  el.textContent = graph.output === null ? "" : `${s.nodes} values · ${s.edges} edges · depth ${s.depth}`;
}

/** A centred message where the drawing would be. */
export function emptyState(container, title, text) {
  replaceChildren(container, h("div", { class: "empty-state" }, h("h3", {}, title), h("p", {}, text)));
}
