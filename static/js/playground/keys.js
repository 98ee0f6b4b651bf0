// The playground's keyboard: Ctrl+Enter runs, Escape closes the topmost thing, and single letters
// (listed in the page's help dialog) act whenever the cursor is not in the editor or a field.

import { isTyping } from "../common/dom.js";

/**
 * @param {{run(): void, escape: Array<() => boolean>, letters: Record<string, () => void>,
 *          blocked(): boolean}} keys  `escape` handlers are tried in order until one returns true;
 *   `blocked()` is true while a dialog is open (letters then belong to it).
 */
export function bindKeys({ run, escape, letters, blocked }) {
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
      e.preventDefault();
      run();
      return;
    }
    if (e.key === "Escape") {
      for (const handler of escape) if (handler(e)) return;
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || blocked()) return;
    const action = letters[e.key.length === 1 ? e.key.toLowerCase() : e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  });
}
