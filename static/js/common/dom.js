// Tiny DOM builder. Text always goes through textContent, so no user string is ever parsed as HTML.

/**
 * h("button", {class: "btn", onclick: fn, "aria-label": "Run"}, "Run", childNode)
 * Attributes starting with "on" become listeners; `dataset` takes an object; null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "class") {
      el.className = value;
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace all children of `el` with `children`. */
export function replaceChildren(el, ...children) {
  el.textContent = "";
  append(el, children);
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/** True while the user types into a field, where single-key shortcuts must not fire. */
export function isTyping(target) {
  if (!target || !(target instanceof Element)) return false;
  if (target.closest(".CodeMirror")) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") return !["button", "checkbox", "radio", "range"].includes(target.type);
  return target.isContentEditable;
}
