// Share (a link holding the program) and Export (SVG, DOT, JSON, micrograd script downloads).

import { fetchExport } from "./api.js";

const FILES = {
  svg: "backprop-graph.svg",
  dot: "backprop-graph.dot",
  json: "backprop-graph.json",
  python: "backprop_graph.py",
};

function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Download one export of the current program; JSON comes from /api/graph as the server sent it. */
export async function exportAs(kind, body) {
  let blob;
  if (kind === "json") {
    const response = await fetch("/api/graph", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...body, check_gradients: false }),
    });
    if (!response.ok) throw new Error(`The server answered ${response.status}`);
    blob = new Blob([JSON.stringify(await response.json(), null, 2)], { type: "application/json" });
  } else {
    blob = await fetchExport(kind, body);
  }
  download(blob, FILES[kind]);
}

/** Copy text to the clipboard; false when the browser refuses (plain http on a LAN, say). */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the selection fallback
  }
  return false;
}

/** A button-triggered menu: arrow keys move, Escape closes and returns focus to the button. */
export class Menu {
  constructor(button, menu, onPick) {
    this.button = button;
    this.menu = menu;
    this.items = Array.from(menu.querySelectorAll("[role=menuitem]"));
    button.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
    for (const item of this.items) {
      item.addEventListener("click", () => {
        this.close(true);
        onPick(item);
      });
    }
    menu.addEventListener("keydown", (e) => {
      const i = this.items.indexOf(document.activeElement);
      if (e.key === "ArrowDown") this.items[(i + 1) % this.items.length].focus();
      else if (e.key === "ArrowUp") this.items[(i - 1 + this.items.length) % this.items.length].focus();
      else if (e.key === "Home") this.items[0].focus();
      else if (e.key === "End") this.items[this.items.length - 1].focus();
      else if (e.key === "Tab") this.close();
      else return;
      if (e.key !== "Tab") e.preventDefault();
    });
    document.addEventListener("pointerdown", (e) => {
      if (this.isOpen && !menu.contains(e.target) && !button.contains(e.target)) this.close();
    });
  }

  get isOpen() {
    return !this.menu.hidden;
  }

  open() {
    this.menu.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    this.items[0]?.focus();
  }

  close(returnFocus = false) {
    if (!this.isOpen) return;
    this.menu.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    if (returnFocus) this.button.focus();
  }
}
