// The playground's buttons, menus and keys, wired to what the page does (main.js passes `page`).
// Single letters (listed in the help dialog) act whenever the cursor is not in the editor or a field.

import { $, $$, h, isTyping } from "../common/dom.js";
import { EXAMPLES } from "./examples.js";
import { Menu } from "./export.js";
import { bindKeys } from "./keys.js";

/**
 * @param {object} page what the controls do: runNow(), setRankdir(dir), toggleRankdir(),
 *   toggleColour(), toggleTable(), toggleEditor(), setEditorVisible(on), setPresenting(on), presenting(),
 *   loadExample(id), setOutput(name), setMode(mode), exportAs(kind, label), closePanel(),
 *   followLink(), and the parts view, stepper, panel, editor, share, help (the dialog).
 */
export function bindControls(page) {
  const { view, stepper, help } = page;
  const click = (selector, action) => $(selector).addEventListener("click", action);
  click("#run-btn", () => page.runNow());
  for (const btn of $$("[data-rankdir]")) btn.addEventListener("click", () => page.setRankdir(btn.dataset.rankdir));
  for (const btn of $$("[data-pass]")) {
    btn.addEventListener("click", () => {
      for (const other of $$("[data-pass]")) other.setAttribute("aria-pressed", String(other === btn));
      stepper.setPass(btn.dataset.pass);
    });
  }
  for (const btn of $$("button[data-mode]")) btn.addEventListener("click", () => page.setMode(btn.dataset.mode));
  click("#offer-python", () => page.setMode("python"));
  click("#colour-btn", () => page.toggleColour());
  click("#table-btn", () => page.toggleTable());
  click("#editor-toggle", () => page.toggleEditor());
  click("#present-btn", () => page.setPresenting(!page.presenting()));
  click("#fit-btn", () => view.fit());
  click("#zoom-in", () => view.zoomBy(1.25));
  click("#zoom-out", () => view.zoomBy(0.8));
  click("#step-btn", () => stepper.step());
  click("#step-reset", () => stepper.reset());
  click("#step-exit", () => stepper.stop());
  click("#play-btn", () => stepper.toggle());
  $("#speed").addEventListener("change", (e) => stepper.setSpeed(Number(e.target.value)));
  click("#panel-close", () => page.closePanel());
  const output = $("#output-select");
  output.addEventListener("change", () => page.setOutput(output.value || null));

  const examples = $("#examples");
  for (const example of EXAMPLES) examples.appendChild(h("option", { value: example.id }, example.title));
  examples.addEventListener("change", () => {
    page.loadExample(examples.value);
    examples.value = "";
  });

  new Menu($("#export-btn"), $("#export-menu"), (item) =>
    page.exportAs(item.dataset.export, item.firstChild.textContent.trim()),
  );
  click("#help-btn", () => help.showModal());
  click("#help-close", () => help.close());
  window.addEventListener("hashchange", () => page.followLink());
  bindKeyboard(page);
}

function bindKeyboard(page) {
  const { view, stepper, panel, share, help } = page;
  const menu = $("#export-menu");
  bindKeys({
    run: () => page.runNow(),
    escape: [
      () => {
        if (menu.hidden) return false;
        menu.hidden = true;
        $("#export-btn").setAttribute("aria-expanded", "false");
        $("#export-btn").focus();
        return true;
      },
      () => share.close(),
      () => help.open, // the dialog closes itself
      () => stepper.playing && (stepper.pause(), true),
      () => panel.isOpen && (page.closePanel(), true),
      (e) => stepper.active && !isTyping(e.target) && (stepper.stop(), true),
      (e) => page.presenting() && !isTyping(e.target) && (page.setPresenting(false), true),
    ],
    letters: {
      n: () => stepper.step(),
      p: () => stepper.toggle(),
      r: () => stepper.reset(),
      f: () => view.fit(),
      "+": () => view.zoomBy(1.25),
      "=": () => view.zoomBy(1.25),
      "-": () => view.zoomBy(0.8),
      d: () => page.toggleRankdir(),
      c: () => page.toggleColour(),
      t: () => page.toggleTable(),
      e: () => {
        page.setEditorVisible(true);
        page.editor.focus();
      },
      h: () => page.toggleEditor(),
      m: () => page.setPresenting(!page.presenting()),
      "?": () => help.showModal(),
    },
    blocked: () => help.open,
  });
}
