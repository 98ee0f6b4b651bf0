// The graph as a table, for graphs too large to draw: every panel still works from here.

import { h, replaceChildren } from "../common/dom.js";
import { fmt } from "../common/format.js";
import { OP_TITLES } from "./names.js";

const MAX_ROWS = 600;

/** The server's reason as a sentence for students: capitalised, without the API aside, with a full stop. */
function sentence(reason) {
  const text = reason.replace(/;\s*the JSON graph.*$/i, "").trim();
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Fill `container` with a message and a table of the nodes (named values first). */
export function renderNodeTable(container, graph, { title, reason, onSelect }) {
  const named = graph.nodes.filter((n) => n.label);
  const unnamed = graph.nodes.filter((n) => !n.label);
  const rows = [...named.reverse(), ...unnamed.reverse()].slice(0, MAX_ROWS);
  const table = h(
    "table",
    { class: "node-table" },
    h(
      "thead",
      {},
      h("tr", {}, h("th", {}, "value"), h("th", {}, "op"), h("th", { class: "n" }, "data"), h("th", { class: "n" }, "grad")),
    ),
    h(
      "tbody",
      {},
      rows.map((node) =>
        h(
          "tr",
          {
            tabindex: "0",
            "data-node": node.id,
            class: node.is_output ? "is-output" : null,
            onclick: () => onSelect(node.id, "value"),
            onkeydown: (e) => {
              if (e.key === "Enter" || e.key === " ") {
                e.preventDefault();
                onSelect(node.id, "value");
              }
            },
          },
          h("td", { class: node.label ? "mono" : "muted" }, node.label || "(unnamed)"),
          h("td", {}, node.is_leaf ? "leaf" : `${node.op_symbol} ${OP_TITLES[node.op]}`),
          h("td", { class: "n mono" }, fmt(node.data)),
          h("td", { class: "n mono" }, fmt(node.grad)),
        ),
      ),
    ),
  );
  const more = graph.nodes.length - rows.length;
  replaceChildren(
    container,
    h(
      "div",
      { class: "too-large" },
      h("div", { class: "too-large-icon", "aria-hidden": "true" }, "!"),
      h(
        "div",
        {},
        h("h3", {}, title),
        h("p", {}, sentence(reason)),
        h(
          "p",
          { class: "muted" },
          `${graph.stats.nodes} values, ${graph.stats.edges} edges, depth ${graph.stats.depth}. `,
          "Every number is still here: pick a value below to see how its grad adds up, or export the DOT file.",
        ),
      ),
    ),
    h("div", { class: "node-table-wrap" }, table),
    more > 0 ? h("p", { class: "muted node-table-more" }, `… and ${more} more unnamed values.`) : null,
  );
}
