// Time travel: a scrubber over the run's steps. Dragging it shows the boundary, the network and the
// metrics of that step (the server rebuilds it: GET /api/sessions/{id}/steps/{k}); the live run goes
// on meanwhile, and "Back to live" (or playing) returns to it.

import { $ } from "../common/dom.js";
import { errorMessage } from "../common/errors.js";
import { count } from "../common/format.js";
import { api } from "./api.js";
import { notice } from "./notices.js";

export class Timeline {
  /** @param {object} page  the page's state; show(view) draws a past step, live() the live run */
  constructor(page, { show, live }) {
    this.page = page;
    this.show = show;
    this.live = live;
    this.range = $("#scrubber");
    this.label = $("#scrub-label");
    this.back = $("#scrub-live");
    this.pending = null;
    this.busy = false;
    this.range.addEventListener("input", () => this.#request(Number(this.range.value)));
    this.back.addEventListener("click", () => this.toLive());
  }

  /** The live run reached `step`: stretch the scrubber (and follow it while live). */
  stepChanged(step) {
    this.range.max = String(Math.max(0, step));
    if (this.page.scrub === null) {
      this.range.value = String(step);
      this.label.textContent = "live";
    } else {
      this.label.textContent = `step ${count(this.page.scrub)} of ${count(step)}`;
    }
  }

  #request(step) {
    if (step >= Number(this.range.max) && this.page.scrub !== null) {
      this.toLive();
      return;
    }
    this.pending = step;
    if (!this.busy) this.#fetch();
  }

  async #fetch() {
    const { page } = this;
    this.busy = true;
    while (this.pending !== null && page.session) {
      const step = this.pending;
      this.pending = null;
      try {
        const view = await api.atStep(page.session.id, step);
        if (this.pending !== null) continue; // the scrubber moved on: fetch the newest only
        page.scrub = step;
        this.back.hidden = false;
        document.body.classList.add("time-travel");
        this.label.textContent = `step ${count(step)} of ${count(page.liveStep)}`;
        this.show(view);
      } catch (err) {
        notice(errorMessage(err), "error");
      }
    }
    this.busy = false;
  }

  toLive() {
    this.pending = null;
    this.page.scrub = null;
    this.back.hidden = true;
    document.body.classList.remove("time-travel");
    this.range.value = this.range.max;
    this.label.textContent = "live";
    this.live();
  }
}
