// The graph as a table: the view of a graph too large to draw, and a second view of any other
// (the Table button, T). Every panel still works from here, and every row is named: by its label,
// else by what it computes from its operands ("(a · b) + c"), as the panel names it.

import { h, replaceChildren } from "../common/dom.js";
import { fmt } from "../common/format.js";
import { OP_TITLES } from "./names.js";
import { exprOf, operandMap } from "./panel.js";

const MAX_ROWS = 600;

/** The server's reason as a sentence for students: capitalised, without the API aside, with a full stop. */
function sentence(reason) {
  const text = reason.replace(/;\s*the JSON graph.*$/i, "").trim();
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** "+ addition", "**2 power", "tanh": the symbol, and the op's name where it says more. */
function opCell(node) {
  const title = OP_TITLES[node.op];
  const more = title && title !== node.op_symbol ? h("span", { class: "op-title" }, ` ${title}`) : null;
  return [node.op_symbol, more];
}

/**
 * Fill `container` with a heading and a table of the nodes (labelled values first, the output on top).
 * `reason`: why there is no drawing (a graph too large to draw); null for the chosen view, which
 * gets `onDrawing`, a button back to the drawing, instead.
 */
export function renderNodeTable(container, graph, { title, reason, onSelect, onDrawing = null }) {
  const named = graph.nodes.filter((n) => n.label);
  const unnamed = graph.nodes.filter((n) => !n.label);
  const rows = [...named.reverse(), ...unnamed.reverse()].slice(0, MAX_ROWS);
  const operands = operandMap(graph);
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
          h("td", { class: node.label ? "mono" : "mono muted" }, exprOf(graph, node, 0, operands)),
          h("td", {}, node.is_leaf ? "leaf" : opCell(node)),
          h("td", { class: "n mono" }, fmt(node.data)),
          h("td", { class: "n mono" }, fmt(node.grad)),
        ),
      ),
    ),
  );
  const more = graph.nodes.length - rows.length;
  const sizes = `${graph.stats.nodes} values, ${graph.stats.edges} edges, depth ${graph.stats.depth}. `;
  const heading = reason
    ? h(
        "div",
        { class: "too-large" },
        h("div", { class: "too-large-icon", "aria-hidden": "true" }, "!"),
        h(
          "div",
          {},
          h("h3", {}, title),
          h("p", {}, sentence(reason)),
          h("p", { class: "muted" }, sizes, "Every number is still here: pick a value below to see how its grad adds up, or export the DOT file."),
        ),
      )
    : h(
        "div",
        { class: "table-head" },
        h("div", {}, h("h3", {}, title), h("p", { class: "muted" }, sizes, "Pick a value to see how its grad adds up.")),
        h("button", { type: "button", class: "btn", id: "drawing-btn", title: "Back to the drawing (T)", onclick: onDrawing }, "Show the drawing"),
      );
  replaceChildren(
    container,
    heading,
    h("div", { class: "node-table-wrap" }, table),
    more > 0 ? h("p", { class: "muted node-table-more" }, `… and ${more} more values.`) : null,
  );
}
