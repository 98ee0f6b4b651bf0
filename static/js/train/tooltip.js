// One small popover that follows the pointer (points, weights, neurons, graph cards).

import { $, replaceChildren } from "../common/dom.js";

const pop = () => $("#popover");
let stickyTimer = null;

/** Show `content` (a Node) near the pointer; null hides it. */
export function tooltip(content, event) {
  const box = pop();
  if (!content) {
    box.hidden = true;
    return;
  }
  // A modal dialog sits in the top layer: the popover must live inside it to show above it.
  const dialog = document.querySelector("dialog[open]");
  const host = dialog ?? document.body;
  if (box.parentElement !== host) host.appendChild(box);
  replaceChildren(box, content);
  box.hidden = false;
  const rect = box.getBoundingClientRect();
  box.style.left = `${Math.max(8, Math.min(event.clientX + 14, innerWidth - rect.width - 8))}px`;
  box.style.top = `${Math.max(8, Math.min(event.clientY + 14, innerHeight - rect.height - 8))}px`;
}

/** A tooltip that stays a few seconds (after a click), then `onGone`. */
export function stickyTooltip(content, event, onGone = () => {}) {
  tooltip(content, event);
  clearTimeout(stickyTimer);
  stickyTimer = setTimeout(() => {
    tooltip(null);
    onGone();
  }, 6000);
}
