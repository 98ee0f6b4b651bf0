// The share dialog: one watch link for the whole lecture (the room's short link when the server
// gives the run a room), its short code, a big QR code for the projector, and whether students can
// reach the address at all (a loopback origin is this computer only).

import { $, h, replaceChildren } from "../common/dom.js";
import qrcode from "../../vendor/qrcode-generator/qrcode.mjs";

const SVG_NS = "http://www.w3.org/2000/svg";

/** Whether a host name means "this computer" (127.0.0.0/8, ::1, localhost). */
export function isLoopback(hostname) {
  const host = hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\./.test(host);
}

async function serverAddresses() {
  try {
    const response = await fetch("/api/server/addresses", { headers: { Accept: "application/json" } });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/** The QR code of `text` as an SVG of dark squares (drawn here: no markup strings). */
export function qrSvg(text) {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const quiet = 4;
  const size = n + 2 * quiet;
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `QR code: ${text}`);
  svg.setAttribute("shape-rendering", "crispEdges");
  const bg = document.createElementNS(SVG_NS, "rect");
  Object.entries({ width: size, height: size, fill: "#fff" }).forEach(([k, v]) => bg.setAttribute(k, v));
  svg.appendChild(bg);
  let d = "";
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + quiet},${r + quiet}h1v1h-1z`;
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", d);
  path.setAttribute("fill", "#000");
  svg.appendChild(path);
  svg.dataset.modules = String(n);
  return svg;
}

export class ShareDialog {
  /** @param {object} page  the page's state (its session and room) */
  constructor(page, onMissing) {
    this.page = page;
    this.onMissing = onMissing;
    this.btn = $("#share-btn");
    this.pop = $("#share-pop");
    this.btn.addEventListener("click", () => (this.pop.hidden ? this.open() : this.close()));
    $("#copy-share").addEventListener("click", () => this.#copy());
    $("#project-share").addEventListener("click", () => this.project());
    $("#projector-close").addEventListener("click", () => this.unproject());
    document.addEventListener("click", (e) => {
      if (!this.pop.hidden && !this.pop.contains(e.target) && !this.btn.contains(e.target)) this.close();
    });
    document.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      if (!$("#projector").hidden) this.unproject();
      else if (!this.pop.hidden) this.close();
    });
  }

  /** The path of the link to share: the room's (whole lecture) or this run's. */
  sharePath() {
    const { session } = this.page;
    if (session.room) return `/r/${encodeURIComponent(session.room)}`;
    return `/train?watch=${encodeURIComponent(session.id)}`;
  }

  async open() {
    const { page } = this;
    if (!page.session) {
      this.onMissing();
      return;
    }
    const origin = window.location.origin;
    this.#show(`${origin}${this.sharePath()}`, null);
    this.pop.hidden = false;
    this.btn.setAttribute("aria-expanded", "true");
    this.#place();
    if (isLoopback(window.location.hostname)) {
      const addresses = await serverAddresses();
      if (this.pop.hidden) return;
      const lan = addresses?.lan_urls?.[0];
      this.#show(lan ? `${lan.replace(/\/$/, "")}${this.sharePath()}` : `${origin}${this.sharePath()}`, { lan, addresses });
      this.#place();
    }
    $("#share-url").select();
  }

  #show(url, reach) {
    $("#share-url").value = url;
    $("#share-url").dataset.url = url;
    const room = this.page.session.room;
    $("#share-code-row").hidden = !room;
    $("#share-code").textContent = room ?? "";
    replaceChildren($("#share-qr"), qrSvg(url));
    const warning = $("#share-warning");
    if (!reach) {
      warning.hidden = true;
      return;
    }
    const here = window.location.host;
    const parts = reach.lan
      ? [
          h("b", {}, `${here} is this computer only.`),
          " Students' devices cannot open it, so the link and QR code use this computer's network address, ",
          h("b", { class: "mono" }, reach.lan),
          ` (the server listens on ${boundText(reach.addresses)}).`,
        ]
      : [
          h("b", {}, `${here} is this computer only:`),
          " students' devices cannot open this link. Start the server so it listens on the network: ",
          h("code", {}, "make run HOST=0.0.0.0"),
          ", then open the page at this computer's network address.",
        ];
    replaceChildren(warning, parts);
    warning.hidden = false;
  }

  /** The link for the room to see from the back: its QR code, address and code, full screen. */
  project() {
    const url = $("#share-url").dataset.url;
    if (!url) return;
    const room = this.page.session?.room;
    replaceChildren($("#projector-qr"), qrSvg(url));
    $("#projector-url").textContent = url.replace(/^https?:\/\//, "");
    $("#projector-code-row").hidden = !room;
    $("#projector-code").textContent = room ?? "";
    $("#projector-viewers").textContent = $("#share-viewers").textContent;
    $("#projector-warning").hidden = !isLoopback(new URL(url).hostname);
    this.close();
    $("#projector").hidden = false;
    $("#projector-close").focus();
  }

  unproject() {
    $("#projector").hidden = true;
    this.btn.focus();
  }

  #place() {
    const rect = this.btn.getBoundingClientRect();
    const width = this.pop.offsetWidth;
    this.pop.style.top = `${Math.min(rect.bottom + 8, innerHeight - 40)}px`;
    this.pop.style.left = `${Math.max(8, Math.min(rect.right - width, innerWidth - width - 8))}px`;
  }

  async #copy() {
    const input = $("#share-url");
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      input.select();
      document.execCommand("copy");
    }
    $("#copy-share").textContent = "Copied";
    setTimeout(() => ($("#copy-share").textContent = "Copy"), 1500);
  }

  close() {
    this.pop.hidden = true;
    this.btn.setAttribute("aria-expanded", "false");
  }
}

function boundText(addresses) {
  const bound = addresses?.bound ?? [];
  return bound.length ? bound.map((b) => `${b.host}:${b.port}`).join(", ") : "every interface";
}
