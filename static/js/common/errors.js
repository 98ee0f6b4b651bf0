// API errors, read and shown one way on every page. The server's shape (app/errors.py):
// {"detail": {"message": str, "line": int | null, "column": int | null}}.

import { h, replaceChildren } from "./dom.js";

/** An API answer that is not 2xx: its message, and the line/column of the input when it has one. */
export class ApiError extends Error {
  constructor(status, message, line = null, column = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.line = line;
    this.column = column;
    this.detail = null;
  }
}

/** The error a failed fetch (no answer at all) stands for. */
export function unreachable() {
  return new ApiError(0, "The server cannot be reached. Is it still running?");
}

/** The ApiError of a non-2xx Response (its body is read). */
export async function toApiError(response) {
  let detail = null;
  try {
    detail = (await response.json()).detail;
  } catch {
    // not JSON (a proxy's error page, say): fall through to the status text
  }
  return fromDetail(response.status, detail, response.statusText);
}

/** The ApiError of an error body's `detail` (also found inside 200 answers, e.g. /api/graph/run). */
export function fromDetail(status, detail, statusText = "") {
  if (detail && typeof detail === "object" && typeof detail.message === "string") {
    const err = new ApiError(status, detail.message, detail.line ?? null, detail.column ?? null);
    err.detail = detail; // more than the message, e.g. a replaced run's successor
    return err;
  }
  if (typeof detail === "string") return new ApiError(status, detail);
  return new ApiError(status, `The server answered ${status} ${statusText}`.trim());
}

/** Where an error is: "Line 3, column 7", "Line 3", "Server" (5xx), or "Error". */
export function errorWhere(err) {
  if (err instanceof ApiError && err.line) return `Line ${err.line}${err.column ? `, column ${err.column}` : ""}`;
  if (err instanceof ApiError && err.status >= 500) return "Server";
  return "Error";
}

/** The message of any error, as the server wrote it (it starts with the field it is about). */
export function errorMessage(err) {
  const text = String(err && err.message ? err.message : err).trim();
  return text || "something went wrong";
}

/** One line of text: "Line 3, column 7: unknown name 'q'" (no prefix when there is no place). */
export function errorText(err) {
  const where = errorWhere(err);
  return where === "Error" ? errorMessage(err) : `${where}: ${errorMessage(err)}`;
}

/**
 * Show `err` in `box` (a role="alert" element): where in bold, then the message. `actions` are
 * extra buttons ({label, run}) after it, e.g. "Go to line".
 */
export function showError(box, err, actions = []) {
  const where = errorWhere(err);
  replaceChildren(
    box,
    where === "Error" ? null : h("b", { class: "error-where" }, `${where}:`),
    " ",
    h("span", { class: "error-message" }, errorMessage(err)),
    actions.map(({ label, run }) => h("button", { type: "button", class: "btn btn-small", onclick: run }, label)),
  );
  box.hidden = false;
}
