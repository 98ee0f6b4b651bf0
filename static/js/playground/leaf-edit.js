// Editing a leaf from its panel: find the number behind it in the editor and rewrite it there.

import { findLiteral, formatLiteral } from "./nudge.js";

export class LeafEdits {
  /** @param {import("./editor.js").Editor} editor */
  constructor(editor) {
    this.editor = editor;
    this.literal = null; // {id, line, from, to, text}: where the last edit wrote its number
    this.source = null; // the program text the last edit produced
  }

  /** Where the leaf's number is in the editor now: the last edit's spot, else the node's span
   * (which describes `ranSource`, the program that ran: none once the text changed). */
  literalFor(node, ranSource) {
    const lit = this.literal;
    const { editor } = this;
    if (lit && lit.id === node.id && editor.getLine(lit.line)?.slice(lit.from, lit.to) === lit.text) return lit;
    if (ranSource !== editor.getValue()) return null;
    return findLiteral((i) => editor.getLine(i), node.span, node.data);
  }

  /** Write `value` into the program for `node`; false when there is nothing to change. */
  write(node, value, ranSource) {
    const lit = this.literalFor(node, ranSource);
    if (!lit) return false;
    const text = formatLiteral(value, lit.text);
    if (text === lit.text) return false;
    this.editor.replaceRange(text, { line: lit.line, ch: lit.from }, { line: lit.line, ch: lit.to }, "+leaf");
    this.editor.flash({ line: lit.line, ch: lit.from }, { line: lit.line, ch: lit.from + text.length });
    this.literal = { id: node.id, line: lit.line, from: lit.from, to: lit.from + text.length, text };
    this.source = this.editor.getValue();
    return true;
  }

  /** Forget the last edit's spot (another node, another program). */
  forget() {
    this.literal = null;
  }
}
