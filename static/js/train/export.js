// The export menu: metrics as CSV, the boundary as PNG and SVG, the weights as JSON and a Python
// script that rebuilds and trains the same run with the real micrograd package. The server makes
// every file (GET /api/sessions/{id}/export/{name}); the browser only saves it.

import { $ } from "../common/dom.js";
import { errorMessage, toApiError, unreachable } from "../common/errors.js";
import { api } from "./api.js";
import { notice } from "./notices.js";

export class ExportMenu {
  constructor(page) {
    this.page = page;
    this.btn = $("#export-btn");
    this.menu = $("#export-menu");
    this.btn.addEventListener("click", () => (this.menu.hidden ? this.open() : this.close()));
    for (const item of this.menu.querySelectorAll("[data-export]")) {
      item.addEventListener("click", () => this.save(item.dataset.export));
    }
    document.addEventListener("click", (e) => {
      if (!this.menu.hidden && !this.menu.contains(e.target) && !this.btn.contains(e.target)) this.close();
    });
    document.addEventListener("keydown", (e) => e.key === "Escape" && !this.menu.hidden && this.close());
  }

  open() {
    this.menu.hidden = false;
    this.btn.setAttribute("aria-expanded", "true");
    this.menu.querySelector("button")?.focus();
  }

  close() {
    this.menu.hidden = true;
    this.btn.setAttribute("aria-expanded", "false");
  }

  /** Fetch one export of the run shown (at the step being viewed) and save it as a file. */
  async save(name) {
    this.close();
    const { session, scrub } = this.page;
    if (!session) return;
    const url = api.exportUrl(session.id, name) + (scrub !== null ? `?step=${scrub}` : "");
    let response;
    try {
      response = await fetch(url);
    } catch {
      notice(errorMessage(unreachable()), "error");
      return;
    }
    if (!response.ok) {
      notice(`Export failed: ${errorMessage(await toApiError(response))}`, "error");
      return;
    }
    const blob = await response.blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = fileName(response, name);
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }
}

function fileName(response, fallback) {
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return match ? match[1] : fallback;
}
