// The selected node and its panel: opening it (beside the graph, in the program's place, or as a
// sheet over the graph on a phone), keeping it up to date after a run, the leaf's nudge baseline.

import { nudge } from "./nudge.js";
import { bindSheet } from "./sheet.js";

export class Selection {
  /**
   * @param {{view: import("./graph-view.js").GraphView, panel: import("./panel.js").Panel,
   *   grid: HTMLElement, canvas: HTMLElement, panelEl: HTMLElement,
   *   leafEdits: import("./leaf-edit.js").LeafEdits}} parts
   */
  constructor(parts) {
    Object.assign(this, parts);
    this.selected = null; // {id, kind}
    this.baseline = null; // {leafId, x0, out0, grad0}: the leaf's value when it was selected
    this.context = null; // {graph, ranSource, checkNote}: what the panel describes
    bindSheet(
      this.panelEl,
      () => this.close(false),
      () => this.selected && this.view.reveal(this.selected.id, this.sheetHeight()),
    );
  }

  get isOpen() {
    return this.panel.isOpen;
  }

  /** Open node `id` of `context.graph` in the panel (`reveal`: bring it into view too). */
  open(context, id, kind = "value", { reveal = false } = {}) {
    const node = context.graph?.nodes[Number(id.slice(1))];
    if (!node) return;
    const changed = !this.selected || this.selected.id !== id;
    this.selected = { id, kind };
    this.context = context;
    if (changed) {
      this.baseline = null;
      this.leafEdits.forget();
    }
    const wasOpen = this.panel.isOpen;
    this.render();
    this.view.select(id, kind);
    this.grid.classList.add("has-panel");
    if (!wasOpen) {
      // The drawing is about to move under the pointer: drop the hover state it had.
      this.view.hover(null);
      this.view.hideTooltip();
      requestAnimationFrame(() => {
        this.view.resize();
        this.view.reveal(id, this.sheetHeight()); // the narrower canvas may have hidden the node
      });
    }
    if (reveal) this.view.reveal(id, this.sheetHeight());
  }

  /**
   * A run finished: the same drawing (`sameShape`) keeps the panel with the new numbers (a new
   * program, not a leaf edit, also forgets the nudge baseline); another drawing closes it.
   */
  afterRun(context, { sameShape, newNumbersOnly }) {
    if (!this.selected) return;
    if (!sameShape) {
      this.close(false);
      return;
    }
    if (!newNumbersOnly) this.baseline = null;
    this.context = context;
    this.render();
    this.view.select(this.selected.id, this.selected.kind);
  }

  /** How much of the graph the panel covers: on a phone it is a sheet over the graph's lower part. */
  sheetHeight() {
    if (getComputedStyle(this.panelEl).position !== "fixed") return 0;
    return Math.max(0, this.canvas.getBoundingClientRect().bottom - this.panelEl.getBoundingClientRect().top);
  }

  render() {
    const { id, kind } = this.selected;
    const { graph, ranSource, checkNote } = this.context;
    const node = graph.nodes[Number(id.slice(1))];
    const out = graph.nodes[Number(graph.output.slice(1))];
    let editable = false;
    if (node.is_leaf && kind === "value") {
      editable = Boolean(this.leafEdits.literalFor(node, ranSource));
      if (!this.baseline || this.baseline.leafId !== id) {
        this.baseline = { leafId: id, x0: node.data, out0: out.data, grad0: node.grad };
      }
    }
    const base = this.baseline && this.baseline.leafId === id ? this.baseline : null;
    this.panel.show(graph, id, kind, {
      editable,
      baseline: base,
      nudge: base ? nudge(base, node.data, out.data) : null,
      outputName: out.label || "out",
      gradientCheckNote: checkNote,
    });
  }

  close(restoreFocus = true) {
    const selected = this.selected;
    this.panel.close();
    this.panelEl.classList.remove("sheet-tall"); // the next one opens at its usual height
    this.selected = null;
    this.baseline = null;
    this.view.select(null);
    this.grid.classList.remove("has-panel");
    requestAnimationFrame(() => this.view.resize());
    if (restoreFocus && selected) this.view.focusNode(selected.id, selected.kind);
  }
}
