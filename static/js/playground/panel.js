// The side panel: what the selected node is, with the actual numbers. How its grad adds up
// (upstream grad × local derivative per use), the numerical gradient check, the op's derivative
// rule, and for a leaf written as a literal, a number field and a slider that rewrite it.

import { h, replaceChildren } from "../common/dom.js";
import { fmt, sci, short, signed } from "../common/format.js";
import { nodeName, OP_TITLES } from "./names.js";
import { sliderRange } from "./nudge.js";

const SIGN_CLASS = (x) => (x > 0 ? "num-pos" : x < 0 ? "num-neg" : "num-zero");

const CALLS = new Set(["relu", "tanh", "exp", "log", "sigmoid"]); // written f(x): x needs no brackets of its own

/** A node's expression from its operands, named where they have names: "(a · b) + (b**3)". */
export function exprOf(graph, node, depth = 0, operandsOf = operandMap(graph)) {
  if (node.label) return node.label;
  if (node.is_leaf) return short(node.data);
  if (depth >= 2) return "…";
  const args = (operandsOf.get(node.id) || []).map((id) => {
    const operand = graph.nodes[Number(id.slice(1))];
    const text = exprOf(graph, operand, depth + 1, operandsOf);
    const bracketed = !operand.label && !operand.is_leaf && ["add", "mul", "pow"].includes(operand.op);
    return bracketed && !CALLS.has(node.op) ? `(${text})` : text; // relu(a + b), not relu((a + b))
  });
  return formula(node, args);
}

/** The operation written out with operand texts `args`. */
export function formula(node, args) {
  const [a, b] = args;
  switch (node.op) {
    case "add":
      return `${a} + ${b}`;
    case "mul":
      return `${a} · ${b}`;
    case "pow":
      return `${a}**${short(node.exponent)}`;
    case "relu":
      return `relu(${a})`;
    case "tanh":
      return `tanh(${a})`;
    case "exp":
      return `exp(${a})`;
    case "log":
      return `log(${a})`;
    case "sigmoid":
      return `σ(${a})`;
    default:
      return args.join(` ${node.op_symbol} `);
  }
}

/** Each node's operand ids, in order. */
export function operandMap(graph) {
  const map = new Map();
  for (const edge of graph.edges) {
    if (!map.has(edge.target)) map.set(edge.target, []);
    map.get(edge.target)[edge.position] = edge.source;
  }
  return map;
}

/** The op's derivative rule, generic: [forward, local derivatives]. */
export const RULES = {
  add: ["out = a + b", "∂out/∂a = 1    ∂out/∂b = 1"],
  mul: ["out = a · b", "∂out/∂a = b    ∂out/∂b = a"],
  pow: ["out = xᵏ", "∂out/∂x = k · xᵏ⁻¹"],
  relu: ["out = max(0, x)", "∂out/∂x = 1 if x > 0, else 0"],
  tanh: ["out = tanh(x)", "∂out/∂x = 1 − tanh²(x) = 1 − out²"],
  exp: ["out = eˣ", "∂out/∂x = eˣ = out"],
  log: ["out = ln x", "∂out/∂x = 1 / x"],
  sigmoid: ["out = σ(x) = 1 / (1 + e⁻ˣ)", "∂out/∂x = σ(x) · (1 − σ(x)) = out · (1 − out)"],
};

/** The local derivative of `node` w.r.t. operand `position`, worked out with the numbers. */
export function localWorking(node, operands, position, local) {
  const x = operands[position]?.data;
  const out = node.data;
  switch (node.op) {
    case "add":
      return `1`;
    case "mul": {
      const other = operands[1 - position];
      return `${position === 0 ? "b" : "a"} = ${fmt(other.data)}`;
    }
    case "pow": {
      const k = node.exponent;
      return `${short(k)} · ${fmt(x)}^${short(k - 1)} = ${fmt(local)}`;
    }
    case "relu":
      return x > 0 ? `x = ${fmt(x)} > 0 → 1` : `x = ${fmt(x)} ≤ 0 → 0`;
    case "tanh":
      return `1 − ${fmt(out)}² = ${fmt(local)}`;
    case "exp":
      return `out = ${fmt(local)}`;
    case "log":
      return `1 / ${fmt(x)} = ${fmt(local)}`;
    case "sigmoid":
      return `${fmt(out)} · (1 − ${fmt(out)}) = ${fmt(local)}`;
    default:
      return fmt(local);
  }
}

export class Panel {
  /**
   * @param {HTMLElement} root the <aside>
   * @param {HTMLElement} body where the content goes
   * @param {object} hooks {onSelect(id, kind), onPeek(id|null), onLeafValue(id, value), onLeafReset(id)}
   */
  constructor(root, body, hooks) {
    this.root = root;
    this.body = body;
    this.hooks = hooks;
    this.nodeId = null;
    this.kind = null;
    this.edit = null; // the leaf editor's elements, kept across updates so a dragged slider keeps focus
    this.summary = h("div", { class: "np-summary" });
    this.editSlot = h("div", { class: "np-edit-slot" });
    this.rest = h("div", { class: "np-rest" });
  }

  get isOpen() {
    return !this.root.hidden;
  }

  close() {
    this.root.hidden = true;
    this.nodeId = null;
    this.kind = null;
    this.edit = null;
  }

  /**
   * Show node `id` of `graph` (`kind` "value" or "op"). `extra` = {gradientCheckNote, editable,
   * nudge: {dx, predicted, actual, baseline} | null, outputName}. Re-showing the same node updates
   * the numbers and keeps the leaf editor (and its focus) in place.
   */
  show(graph, id, kind, extra = {}) {
    const node = graph.nodes[Number(id.slice(1))];
    if (!node) {
      this.close();
      return;
    }
    const same = this.nodeId === id && this.kind === kind && this.isOpen;
    this.nodeId = id;
    this.kind = kind;
    this.root.hidden = false;
    this.root.dataset.node = id;
    this.root.dataset.kind = kind;
    if (!same) replaceChildren(this.body, this.summary, this.editSlot, this.rest);
    const ctx = { graph, node, extra, operands: operandMap(graph) };
    if (kind === "op" && !node.is_leaf) {
      replaceChildren(this.summary, ...this.opSummary(ctx));
      replaceChildren(this.rest, ...this.opSections(ctx));
      replaceChildren(this.editSlot);
      this.edit = null;
    } else {
      replaceChildren(this.summary, ...this.valueSummary(ctx));
      replaceChildren(this.rest, ...this.valueSections(ctx));
      if (node.is_leaf && extra.editable) {
        if (!same || !this.edit) replaceChildren(this.editSlot, this.buildEditor(node, extra));
        this.updateEditor(node, extra);
      } else {
        replaceChildren(this.editSlot, ...(node.is_leaf ? [this.notEditable(node)] : []));
        this.edit = null;
      }
    }
    if (!same) this.body.scrollTop = 0;
  }

  // ------------------------------------------------------------------ pieces

  chip(graph, id, kind = "value") {
    const node = graph.nodes[Number(id.slice(1))];
    const text = node.label || (node.is_leaf ? short(node.data) : exprOf(graph, node));
    return h(
      "button",
      {
        type: "button",
        class: `chip${node.label ? "" : " chip-anon"}`,
        title: `Show ${node.label || "this value"}`,
        onclick: () => this.hooks.onSelect(id, kind),
        onmouseenter: () => this.hooks.onPeek(id),
        onmouseleave: () => this.hooks.onPeek(null),
        onfocus: () => this.hooks.onPeek(id),
        onblur: () => this.hooks.onPeek(null),
      },
      text,
    );
  }

  number(x, cls = "") {
    return h("span", { class: `num ${cls}`.trim(), title: String(x) }, fmt(x));
  }

  valueSummary({ graph, node }) {
    const kindText = node.is_output
      ? "the output · backprop starts here"
      : node.is_leaf
        ? node.span
          ? `leaf · line ${node.span.line}`
          : "leaf · a constant made by the engine"
        : `${OP_TITLES[node.op]} (${node.op_symbol})`;
    return [
      h(
        "div",
        { class: "np-title" },
        h("span", { class: `np-name${node.label ? "" : " np-anon"}` }, node.label || "unnamed value"),
        h("span", { class: "np-kind" }, kindText),
      ),
      h(
        "dl",
        { class: "np-values" },
        h("div", { class: "np-value" }, h("dt", {}, "data"), h("dd", { "data-field": "data" }, this.number(node.data))),
        h(
          "div",
          { class: "np-value" },
          h("dt", {}, "grad"),
          h("dd", { "data-field": "grad" }, this.number(node.grad, SIGN_CLASS(node.grad))),
        ),
      ),
      node.is_leaf
        ? null
        : h(
            "p",
            { class: "np-formula" },
            h("span", { class: "mono" }, `${node.label || "out"} = ${exprOf(graph, { ...node, label: "" })}`),
            h("span", { class: "mono np-formula-num" }, `= ${fmt(node.data)}`),
            h(
              "button",
              { type: "button", class: "link-btn", onclick: () => this.hooks.onSelect(node.id, "op") },
              `Local derivatives of ${node.op_symbol} →`,
            ),
          ),
    ];
  }

  valueSections(ctx) {
    const { graph, node, extra } = ctx;
    const sections = [this.accumulation(graph, node, extra)];
    if (node.is_leaf) sections.push(this.gradientCheck(graph, node, extra));
    return sections;
  }

  /** grad = Σ over the uses of the node of (upstream grad × local derivative). */
  accumulation(graph, node, extra) {
    const out = extra.outputName || "the output";
    if (node.is_output) {
      return section(
        "How its grad is set",
        h("p", {}, "This is the output: ", h("span", { class: "mono" }, `∂${out}/∂${out} = 1`), ". Backprop starts here with grad = 1 and walks backwards."),
      );
    }
    const uses = graph.edges.filter((e) => e.source === node.id);
    if (uses.length === 0) {
      return section("How its grad adds up", h("p", { class: "muted" }, "Nothing uses this value, so its grad stays 0."));
    }
    const rows = uses.map((edge) => {
      const consumer = graph.nodes[Number(edge.target.slice(1))];
      return h(
        "tr",
        { "data-edge": edge.id },
        h(
          "td",
          {},
          this.chip(graph, consumer.id),
          // An unnamed consumer's chip already reads "a · b"; a named one gets its op alongside.
          consumer.label ? h("span", { class: "op-badge", title: OP_TITLES[consumer.op] }, consumer.op_symbol) : null,
        ),
        h("td", { class: "n" }, this.number(consumer.grad)),
        h("td", { class: "n" }, h("span", { class: "op-sign" }, "×"), this.number(edge.local_grad)),
        h("td", { class: "n" }, h("span", { class: "op-sign" }, "="), this.number(edge.contribution, SIGN_CLASS(edge.contribution))),
      );
    });
    const total = uses.reduce((sum, e) => sum + e.contribution, 0);
    const lead =
      uses.length === 1
        ? "It is used once. That use sends back its own grad times the local derivative:"
        : `It is used ${uses.length} times. Each use sends back its own grad times the local derivative, and the grads add up:`;
    return section(
      "How its grad adds up",
      h("p", { class: "np-lead" }, lead),
      h(
        "table",
        { class: "np-table np-accumulation" },
        h("thead", {}, h("tr", {}, h("th", {}, "used by"), h("th", { class: "n" }, "its grad"), h("th", { class: "n" }, "× local ∂"), h("th", { class: "n" }, "= sent"))),
        h("tbody", {}, rows),
        h(
          "tfoot",
          {},
          h(
            "tr",
            {},
            h("td", { colspan: "3" }, uses.length > 1 ? "sum = grad" : "grad"),
            h("td", { class: "n" }, this.number(total, SIGN_CLASS(total))),
          ),
        ),
      ),
      h(
        "p",
        { class: "np-note mono" },
        `grad = ${uses.map((e) => `${short(graph.nodes[Number(e.target.slice(1))].grad)}×${short(e.local_grad)}`).join(" + ")} = ${fmt(node.grad)}`,
      ),
    );
  }

  gradientCheck(graph, node, extra) {
    const check = (graph.gradient_check || []).find((c) => c.node === node.id);
    if (!check) {
      return section(
        "Numerical check",
        h("p", { class: "muted" }, extra.gradientCheckNote || "No numerical check for this graph."),
      );
    }
    const out = extra.outputName || "out";
    const name = node.label || "x";
    return section(
      "Numerical check",
      h(
        "p",
        { class: "np-lead" },
        "Nudge the leaf by a tiny h both ways and measure the output: ",
        h("span", { class: "mono" }, `(${out}(${name}+h) − ${out}(${name}−h)) / 2h`),
      ),
      h(
        "dl",
        { class: "np-check" },
        h("div", {}, h("dt", {}, "backprop"), h("dd", {}, this.number(check.analytic))),
        h("div", {}, h("dt", {}, "numerical"), h("dd", {}, this.number(check.numeric))),
        h("div", {}, h("dt", {}, "relative error"), h("dd", { class: "num", title: String(check.relative_error) }, sci(check.relative_error))),
      ),
      h(
        "p",
        { class: `badge ${check.ok ? "badge-ok" : "badge-bad"}`, "data-ok": String(check.ok) },
        check.ok ? "✓ backprop agrees with the numerical estimate" : "✗ they disagree (a kink, like relu at 0?)",
      ),
    );
  }

  notEditable(node) {
    const why = node.span
      ? "This leaf is not a single number in the program, so it cannot be nudged here."
      : "The engine made this constant (for example −a is a · −1), so it is not in the program text.";
    return section("Nudge", h("p", { class: "muted" }, why));
  }

  // ------------------------------------------------------------------ the leaf editor

  buildEditor(node, extra) {
    const name = node.label || "this leaf";
    const input = h("input", {
      type: "number",
      step: "any",
      id: "leaf-value",
      class: "np-number",
      "aria-label": `Value of ${name}`,
    });
    const slider = h("input", { type: "range", id: "leaf-slider", class: "np-slider", "aria-label": `Slide ${name}` });
    const reset = h("button", { type: "button", class: "btn btn-small", id: "leaf-reset" }, "Reset");
    const readout = h("div", { class: "np-nudge", id: "nudge", "aria-live": "polite" });
    const min = h("span", { class: "np-range-end" });
    const max = h("span", { class: "np-range-end" });
    const send = (value) => {
      if (Number.isFinite(value)) this.hooks.onLeafValue(node.id, value);
    };
    input.addEventListener("input", () => {
      if (input.value !== "" && input.checkValidity()) send(Number(input.value));
    });
    slider.addEventListener("input", () => {
      input.value = slider.value;
      send(Number(slider.value));
    });
    reset.addEventListener("click", () => this.hooks.onLeafReset(node.id));
    this.edit = { input, slider, reset, readout, min, max, rangeFor: null };
    return section(
      "Nudge this leaf",
      h("div", { class: "np-edit-row" }, h("label", { for: "leaf-value", class: "np-edit-label mono" }, `${name} =`), input, reset),
      h("div", { class: "np-slider-row" }, min, slider, max),
      readout,
      h("p", { class: "np-note muted" }, `Changes rewrite the number on line ${node.span.line} of the program and run it again.`),
    );
  }

  updateEditor(node, extra) {
    const edit = this.edit;
    if (!edit) return;
    const baseline = extra.baseline;
    if (edit.rangeFor !== baseline.x0) {
      // The range is centred on the value the leaf had when it was selected, so the thumb stays put.
      const { min, max, step } = sliderRange(baseline.x0);
      Object.assign(edit.slider, { min, max, step });
      edit.min.textContent = short(min);
      edit.max.textContent = short(max);
      edit.rangeFor = baseline.x0;
    }
    if (document.activeElement !== edit.input) edit.input.value = String(node.data);
    if (document.activeElement !== edit.slider) edit.slider.value = String(node.data);
    edit.reset.disabled = node.data === baseline.x0;
    const out = extra.outputName || "out";
    const name = node.label || "x";
    const n = extra.nudge;
    if (!n || n.dx === 0) {
      replaceChildren(
        edit.readout,
        h("p", { class: "muted" }, `Move the slider: the gradient predicts how ${out} moves, Δ${out} ≈ grad × Δ${name}.`),
      );
      return;
    }
    const error = Math.abs(n.actual - n.predicted);
    const close = error <= 1e-3 * Math.max(1, Math.abs(n.actual));
    replaceChildren(
      edit.readout,
      h(
        "dl",
        { class: "np-rows" },
        h("div", {}, h("dt", {}, `Δ${name}`), h("dd", { class: "num" }, signed(n.dx))),
        h(
          "div",
          { class: "np-predicted" },
          h("dt", {}, `predicted Δ${out}`, h("small", {}, ` = grad × Δ${name}`)),
          h("dd", { class: "num", "data-field": "predicted" }, signed(n.predicted)),
        ),
        h(
          "div",
          { class: "np-actual" },
          h("dt", {}, `actual Δ${out}`, h("small", {}, " = rerun")),
          h("dd", { class: "num", "data-field": "actual" }, signed(n.actual)),
        ),
      ),
      h("p", { class: "np-note mono" }, `${fmt(baseline.grad0)} × ${signed(n.dx)} = ${signed(n.predicted)}`),
      h(
        "p",
        { class: "np-note muted" },
        close
          ? "The straight-line prediction is spot on for a step this small."
          : `Off by ${fmt(error)}: the gradient is the slope at the start, and the function curves.`,
      ),
    );
  }

  // ------------------------------------------------------------------ an op

  opSummary({ graph, node }) {
    return [
      h(
        "div",
        { class: "np-title" },
        h("span", { class: "np-name np-op-symbol" }, node.op_symbol),
        h("span", { class: "np-kind" }, `${OP_TITLES[node.op]} · makes `, this.chip(graph, node.id)),
      ),
      h(
        "p",
        { class: "np-formula" },
        h("span", { class: "mono" }, `${node.label || "out"} = ${exprOf(graph, { ...node, label: "" })}`),
        h("span", { class: "mono np-formula-num" }, `= ${fmt(node.data)}`),
      ),
    ];
  }

  opSections({ graph, node, operands }) {
    const ids = operands.get(node.id) || [];
    const ops = ids.map((id) => graph.nodes[Number(id.slice(1))]);
    const [forwardRule, derivativeRule] = RULES[node.op] || ["", ""];
    const edges = graph.edges.filter((e) => e.target === node.id).sort((a, b) => a.position - b.position);
    const out = node.label || "out";
    const rows = edges.map((edge) =>
      h(
        "tr",
        { "data-edge": edge.id },
        h("td", {}, this.chip(graph, edge.source)),
        h("td", { class: "mono working" }, localWorking(node, ops, edge.position, edge.local_grad)),
        h("td", { class: "n" }, h("span", { class: "op-sign" }, "×"), this.number(node.grad)),
        h("td", { class: "n" }, h("span", { class: "op-sign" }, "="), this.number(edge.contribution, SIGN_CLASS(edge.contribution))),
      ),
    );
    return [
      section(
        "Local derivative rule",
        h("p", { class: "rule mono" }, forwardRule),
        h("p", { class: "rule mono" }, derivativeRule),
        node.op === "pow" ? h("p", { class: "np-note muted" }, `Here k = ${short(node.exponent)}.`) : null,
      ),
      section(
        "Backward: what each operand receives",
        h("p", { class: "np-lead" }, `Each operand gets ${out}.grad × its local derivative (the chain rule), added to its grad:`),
        h(
          "table",
          { class: "np-table np-backward" },
          h("thead", {}, h("tr", {}, h("th", {}, "operand"), h("th", {}, "local ∂"), h("th", { class: "n" }, `× ${out}.grad`), h("th", { class: "n" }, "= sent"))),
          h("tbody", {}, rows),
        ),
      ),
    ];
  }
}

function section(title, ...children) {
  return h("section", { class: "np-section" }, h("h3", { class: "np-h" }, title), children);
}
