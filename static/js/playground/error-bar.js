// The bar under the program that says what went wrong and where (marked in the editor too), and,
// when the server refused plain Python its language lacks, offers to run it as Python.

import { ApiError, errorMessage, errorWhere } from "../common/errors.js";
import { needsPython } from "./mode.js";

export class ErrorBar {
  /** @param {HTMLElement} bar @param {import("./editor.js").Editor} editor */
  constructor(bar, editor) {
    this.bar = bar;
    this.editor = editor;
    this.where = bar.querySelector("#error-where");
    this.message = bar.querySelector("#error-message");
    this.goto = bar.querySelector("#error-goto");
    this.offer = bar.querySelector("#error-offer");
  }

  /** Show `err` (an ApiError with line/column, a PythonTimeout, anything); `mode` is the language that ran. */
  show(err, mode) {
    const message = errorMessage(err);
    const isApi = err instanceof ApiError;
    this.bar.hidden = false;
    this.where.textContent = `${err && err.name === "PythonTimeout" ? "Stopped" : errorWhere(err)}:`;
    if (isApi && err.line) {
      this.editor.markError(err.line, err.column, message);
      this.goto.hidden = false;
      this.goto.onclick = () => this.editor.goTo(err.line, err.column);
    } else {
      this.editor.clearError();
      this.goto.hidden = true;
    }
    this.message.textContent = message;
    this.offer.hidden = !(isApi && mode === "lab" && err.status === 400 && needsPython(message, this.editor.getValue()));
  }

  clear() {
    this.bar.hidden = true;
    this.editor.clearError();
  }
}
