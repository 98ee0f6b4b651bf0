// The program editor: CodeMirror 5 in Python mode, with error marks and literal replacement.

/* global CodeMirror */

const ERROR_GUTTER = "cm-error-gutter";

export class Editor {
  /**
   * @param {HTMLTextAreaElement} textarea
   * @param {{onRun: () => void, onChange: (origin: string) => void, onEscape: () => void}} hooks
   */
  constructor(textarea, hooks) {
    this.hooks = hooks;
    this.errorMarks = [];
    this.errorLine = null;
    const run = () => hooks.onRun();
    this.cm = CodeMirror.fromTextArea(textarea, {
      mode: { name: "python", version: 3 },
      lineNumbers: true,
      indentUnit: 4,
      tabSize: 4,
      matchBrackets: true,
      // Brackets only: paired quotes trip over Python string prefixes (typing f'{x}' would end in '').
      // `override` keeps the Python mode from putting the quotes back.
      autoCloseBrackets: { pairs: "()[]{}", override: true },
      viewportMargin: Infinity,
      // Long comments wrap instead of hiding behind a horizontal scrollbar (narrow column, projector).
      lineWrapping: true,
      gutters: [ERROR_GUTTER, "CodeMirror-linenumbers"],
      extraKeys: {
        "Ctrl-Enter": run,
        "Cmd-Enter": run,
        // Tab indents; Esc leaves the editor so keyboard users are never trapped in it.
        Tab: (cm) => cm.execCommand(cm.somethingSelected() ? "indentMore" : "insertSoftTab"),
        "Shift-Tab": "indentLess",
        Esc: () => hooks.onEscape(),
      },
    });
    this.cm.getInputField().setAttribute("aria-label", "Program source");
    this.cm.on("changes", (cm, changes) => hooks.onChange(changes[changes.length - 1].origin || ""));
  }

  getValue() {
    return this.cm.getValue();
  }

  /** Replace the whole program (examples, shared links); `origin` tells the change listener why. */
  setValue(text, origin = "setValue") {
    this.cm.operation(() => {
      this.cm.replaceRange(text, { line: 0, ch: 0 }, { line: this.cm.lastLine() + 1, ch: 0 }, origin);
    });
    this.cm.clearHistory();
  }

  /** Replace a range of the text ({line, ch} positions, 0-based) as one undoable edit. */
  replaceRange(text, from, to, origin = "+leaf") {
    this.cm.replaceRange(text, from, to, origin);
  }

  getLine(index) {
    return this.cm.getLine(index);
  }

  focus() {
    this.cm.focus();
  }

  refresh() {
    this.cm.refresh();
  }

  /** Put the cursor at a 1-based line/column and scroll it into view. */
  goTo(line, column) {
    const pos = { line: Math.max(0, line - 1), ch: Math.max(0, (column || 1) - 1) };
    this.cm.focus();
    this.cm.setCursor(pos);
    this.cm.scrollIntoView(pos, 60);
  }

  /** Mark a program error: tinted line, gutter marker, wavy underline at the column. */
  markError(line, column, message) {
    this.clearError();
    if (!line) return;
    const index = Math.min(Math.max(0, line - 1), this.cm.lastLine());
    const text = this.cm.getLine(index) || "";
    this.errorLine = this.cm.addLineClass(index, "background", "cm-error-line");
    const marker = document.createElement("span");
    marker.className = "cm-error-marker";
    marker.textContent = "●";
    marker.title = message;
    this.cm.setGutterMarker(index, ERROR_GUTTER, marker);
    // Underline the word that starts at the column (at least one character; the last one at line end).
    let start = Math.max(0, (column || 1) - 1);
    if (start >= text.length) start = Math.max(0, text.length - 1);
    let end = start + 1;
    while (end < text.length && /[\w.]/.test(text[end]) && /[\w.]/.test(text[start])) end += 1;
    if (text.length > 0) {
      this.errorMarks.push(
        this.cm.markText({ line: index, ch: start }, { line: index, ch: end }, { className: "cm-error-underline" }),
      );
    }
    // The error bar just took some of the editor's height: measure again, then show the line.
    this.cm.refresh();
    this.cm.scrollIntoView({ line: index, ch: start }, 40);
  }

  clearError() {
    for (const mark of this.errorMarks) mark.clear();
    this.errorMarks = [];
    if (this.errorLine) {
      this.cm.removeLineClass(this.errorLine, "background", "cm-error-line");
      this.errorLine = null;
    }
    this.cm.clearGutter(ERROR_GUTTER);
  }

  /** Briefly highlight a range (the literal a leaf edit just rewrote). */
  flash(from, to) {
    const mark = this.cm.markText(from, to, { className: "cm-flash" });
    setTimeout(() => mark.clear(), 900);
  }
}
