// What the page says about itself: the status pill, a notice line, and the "this run has ended" card.

import { $, h, replaceChildren } from "../common/dom.js";

export function status(text, kind) {
  const pill = $("#status");
  pill.textContent = text;
  pill.title = text; // the pill is cut to its width (it must not wrap the run bar and move the plot)
  pill.className = `status-pill ${kind}`;
}

/** A message over the page; `action` ({label, run}) adds a button that does something about it. */
export function notice(text, kind = "info", action = null) {
  const box = $("#notice");
  box.className = `notice ${kind}`;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  replaceChildren(
    box,
    h("span", { class: "notice-text" }, text),
    action ? h("button", { type: "button", class: "btn btn-small btn-primary", onclick: action.run }, action.label) : null,
    h("button", { type: "button", class: "btn btn-small", onclick: clearNotice }, "Dismiss"),
  );
  box.hidden = false;
}

export function clearNotice() {
  $("#notice").hidden = true;
}

/** The run is over (deleted, evicted, expired, server stopping, or never found): say so plainly. */
export function showEnded(message, { title = "This run has ended", watching, ownHref, canLook }) {
  $("#ended-title").textContent = title;
  $("#ended-text").textContent = message.charAt(0).toUpperCase() + message.slice(1) + (/[.!?]$/.test(message) ? "" : ".");
  $("#ended-restart").hidden = watching;
  $("#ended-own").hidden = !watching;
  $("#ended-own").href = ownHref;
  $("#ended-close").hidden = !canLook; // nothing to look at if the run was never loaded
  $("#ended").hidden = false;
  (watching ? $("#ended-own") : $("#ended-restart")).focus();
}

export function hideEnded() {
  $("#ended").hidden = true;
}
