// Stop rules: pause by itself at a target accuracy or loss, or at a step (owner sets, all see).

import { $ } from "../common/dom.js";
import { errorMessage } from "../common/errors.js";
import { api } from "./api.js";
import { notice } from "./notices.js";

const INPUTS = { target_accuracy: "#stop-accuracy", target_loss: "#stop-loss", max_steps: "#stop-steps" };

export class StopRulesForm {
  constructor(page) {
    this.page = page;
    for (const selector of Object.values(INPUTS)) $(selector).addEventListener("change", () => this.#send());
  }

  /** The rules as the inputs say them (accuracy is typed in percent). */
  read() {
    const value = (sel) => ($(sel).value.trim() === "" ? null : Number($(sel).value));
    const accuracy = value(INPUTS.target_accuracy);
    return {
      target_accuracy: accuracy === null ? null : accuracy / 100,
      target_loss: value(INPUTS.target_loss),
      max_steps: value(INPUTS.max_steps),
    };
  }

  /** Show the run's rules (from its state). */
  show(rules) {
    const set = (sel, v) => {
      if (document.activeElement !== $(sel)) $(sel).value = v === null || v === undefined ? "" : String(v);
    };
    set(INPUTS.target_accuracy, rules.target_accuracy === null ? null : +(rules.target_accuracy * 100).toFixed(2));
    set(INPUTS.target_loss, rules.target_loss);
    set(INPUTS.max_steps, rules.max_steps);
  }

  async #send() {
    const { session } = this.page;
    if (!session?.token) return;
    try {
      await api.stopRules(session.id, session.token, this.read());
    } catch (err) {
      notice(errorMessage(err), "error");
    }
  }
}
