// Share (a link holding the program) and Export (SVG, DOT, JSON, micrograd script downloads).

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

/** Download one export of the current program from `source` (sources.js: the mode's own way), and say so. */
export async function exportAs(kind, source, body, label = kind) {
  try {
    download(await source.blob(kind, body), FILES[kind]);
    toast(`Downloaded the ${label}`);
  } catch (err) {
    toast(`Export failed: ${err.message}`);
  }
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

/** The Share popover under its button: the link, selected and copied when it opens. */
export class SharePopover {
  /** @param {{button: HTMLElement, pop: HTMLElement, input: HTMLInputElement, note: HTMLElement, copy: HTMLElement}} els */
  constructor(els, linkFor) {
    this.els = els;
    this.linkFor = linkFor;
    els.button.addEventListener("click", () => (els.pop.hidden ? this.open() : this.close()));
    els.copy.addEventListener("click", async () => {
      els.input.select();
      const copied = await copyText(els.input.value);
      els.note.textContent = copied ? "Copied to the clipboard." : "Press Ctrl+C to copy the selected link.";
    });
    document.addEventListener("pointerdown", (e) => {
      if (!els.pop.hidden && !els.pop.contains(e.target) && !els.button.contains(e.target)) this.close(false);
    });
  }

  async open() {
    const { button, pop, input, note } = this.els;
    const url = this.linkFor();
    input.value = url;
    pop.hidden = false;
    button.setAttribute("aria-expanded", "true");
    const rect = button.getBoundingClientRect();
    pop.style.top = `${rect.bottom + 8}px`;
    pop.style.right = `${Math.max(8, window.innerWidth - rect.right)}px`;
    input.focus();
    input.select();
    const copied = await copyText(url);
    const what = "The program is in the link itself: anyone who opens it sees this graph.";
    note.textContent = copied ? `Copied to the clipboard. ${what}` : `Press Ctrl+C to copy. ${what}`;
  }

  /** Close it; false when it was not open (so Escape can close the next thing). */
  close(returnFocus = true) {
    if (this.els.pop.hidden) return false;
    this.els.pop.hidden = true;
    this.els.button.setAttribute("aria-expanded", "false");
    if (returnFocus) this.els.button.focus();
    return true;
  }
}

/** A short message at the bottom of the screen. */
export function toast(text) {
  let el = document.getElementById("toast");
  if (!el) {
    el = document.createElement("div");
    Object.assign(el, { id: "toast", className: "toast" });
    el.setAttribute("role", "status");
    document.body.appendChild(el);
  }
  el.textContent = text;
  el.classList.add("show");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove("show"), 2600);
}
