// The node panel as a phone's sheet (max-width 900px in playground.css): its header is a handle.
// Dragged down far enough it closes; dragged up it grows to nearly the whole screen (and down again
// to its usual half). The close button and Esc still close it: dragging is a shortcut, not the way.

const CLOSE_PX = 70; // dragged down this far (from its usual height): closed
const RESIZE_PX = 40; // dragged this far up or down: tall or back to usual

/**
 * @param {HTMLElement} panelEl the panel (a sheet only while its position is fixed)
 * @param {() => void} onClose
 * @param {() => void} onResize after the sheet changed height (the graph may need to move)
 */
export function bindSheet(panelEl, onClose, onResize) {
  const handle = panelEl.querySelector(".pg-head");
  let start = null; // {y, pointerId} while dragging

  handle.addEventListener("pointerdown", (e) => {
    if (getComputedStyle(panelEl).position !== "fixed" || e.button !== 0 || e.target.closest("button")) return;
    e.preventDefault(); // no text selection, which a drag would carry away (the browser cancels the pointer)
    start = { y: e.clientY, pointerId: e.pointerId };
    handle.setPointerCapture(e.pointerId);
    panelEl.classList.add("is-dragging");
  });
  handle.addEventListener("pointermove", (e) => {
    if (!start || e.pointerId !== start.pointerId) return;
    // Follow the finger downwards only: upwards the sheet grows when released.
    panelEl.style.transform = `translateY(${Math.max(0, e.clientY - start.y)}px)`;
  });
  const end = (e) => {
    if (!start || e.pointerId !== start.pointerId) return;
    const dy = e.clientY - start.y;
    start = null;
    panelEl.classList.remove("is-dragging");
    panelEl.style.transform = "";
    const tall = panelEl.classList.contains("sheet-tall");
    if (e.type === "pointercancel") return;
    if (dy >= CLOSE_PX && !tall) {
      onClose();
    } else if (dy <= -RESIZE_PX && !tall) {
      panelEl.classList.add("sheet-tall");
      onResize();
    } else if (dy >= RESIZE_PX && tall) {
      panelEl.classList.remove("sheet-tall");
      onResize();
    }
  };
  handle.addEventListener("pointerup", end);
  handle.addEventListener("pointercancel", end);
}
