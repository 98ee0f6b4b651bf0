// A weight's or a neuron's numbers in a popover; the owner can set the value by hand (the server
// records the edit in the run's history, and every watcher sees the new weight).

import { $, h, replaceChildren } from "../common/dom.js";
import { errorMessage } from "../common/errors.js";
import { fmt, signClass } from "../common/format.js";
import { api } from "./api.js";
import { neuronName } from "./network-view.js";

export class WeightEditor {
  /** @param {object} page  the page's state; onDone() after the popover closes */
  constructor(page, onDone) {
    this.page = page;
    this.onDone = onDone;
    this.box = $("#edit-pop");
    this.target = null; // {layer, neuron, index|null}
    $("#edit-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.#submit();
    });
    $("#edit-cancel").addEventListener("click", () => this.close());
    document.addEventListener("keydown", (e) => e.key === "Escape" && !this.box.hidden && this.close());
  }

  /** Show weight i of neuron (l, n) — or its bias when `index` is null — next to the pointer. */
  async open(l, n, index, event) {
    const { page } = this;
    if (!page.session) return;
    let net;
    try {
      net = await api.network(page.session.id);
    } catch (err) {
      this.#show([h("span", { class: "error-box" }, errorMessage(err))], event, false);
      return;
    }
    const neuron = net.layers[l][n];
    const sizes = net.layer_sizes;
    const to = neuronName(sizes, l, n);
    let title;
    let rows;
    if (index === null) {
      title = [h("b", {}, `bias of ${to}`), ` · ${neuron.activation}`];
      rows = [["value", Number(neuron.bias)], ["grad", Number(neuron.bias_grad)]];
    } else {
      const from = l === 0 ? page.inputNames[index] : neuronName(sizes, l - 1, index);
      title = [h("b", {}, `weight ${from} → ${to}`)];
      rows = [["value", Number(neuron.weights[index])], ["grad", Number(neuron.weight_grads[index])]];
    }
    this.target = { layer: l, neuron: n, index };
    const table = h("table", {}, rows.map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", { class: k === "grad" ? signClass(v) : null }, fmt(v)))));
    const note = h("span", { class: "muted" }, `grad of the last step's loss · step ${net.step}`);
    $("#edit-value").value = String(Number(rows[0][1].toPrecision(8)));
    this.#show([h("div", {}, title), table, note], event, Boolean(page.session.token) && page.scrub === null);
  }

  #show(content, event, editable) {
    replaceChildren($("#edit-info"), content);
    $("#edit-form").hidden = !editable;
    this.box.hidden = false;
    const rect = this.box.getBoundingClientRect();
    this.box.style.left = `${Math.max(8, Math.min(event.clientX + 12, innerWidth - rect.width - 8))}px`;
    this.box.style.top = `${Math.max(8, Math.min(event.clientY + 12, innerHeight - rect.height - 8))}px`;
    if (editable) $("#edit-value").focus();
  }

  async #submit() {
    const { page, target } = this;
    const value = Number($("#edit-value").value);
    if (!target || !page.session?.token || !Number.isFinite(value)) return;
    try {
      await api.editWeight(page.session.id, page.session.token, { ...target, value });
      this.close();
    } catch (err) {
      replaceChildren($("#edit-info"), h("span", { class: "error-box" }, errorMessage(err)));
    }
  }

  close() {
    this.box.hidden = true;
    this.target = null;
    this.onDone();
  }
}
