// The minimap: the whole drawing in a corner with the part on screen outlined, shown only while
// the drawing is larger than the view, so a student knows there is more. Click or drag in it to go there.

const SVG_NS = "http://www.w3.org/2000/svg";
const MAX_WIDTH = 180; // pixels: small enough not to hide the graph it summarises
const MAX_HEIGHT = 110;
const FITS_SLACK = 2; // pixels a drawing may stick out of the view and still count as fully shown

function svgEl(tag, attrs) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  return el;
}

export class Overview {
  /**
   * @param {HTMLElement} el the (hidden) box in the graph's corner
   * @param {{onMove(x: number, y: number): void}} hooks called with a drawing point to centre on
   */
  constructor(el, hooks) {
    this.el = el;
    this.hooks = hooks;
    this.map = null;
    this.frame = null;
    this.viewBox = null;
  }

  /** Build the map of a freshly laid-out drawing: node boxes and edge lines, no text. */
  setDrawing(svg, viewBox) {
    this.clear();
    this.viewBox = viewBox;
    const { x, y, width, height } = viewBox;
    // A phone's canvas is narrow: the map takes at most a third of it.
    const host = this.el.parentElement;
    const maxWidth = Math.min(MAX_WIDTH, host ? host.clientWidth / 3 : MAX_WIDTH);
    const maxHeight = Math.min(MAX_HEIGHT, host ? host.clientHeight / 4 : MAX_HEIGHT);
    const scale = Math.min(maxWidth / width, maxHeight / height);
    const map = svgEl("svg", {
      viewBox: `${x} ${y} ${width} ${height}`,
      width: Math.max(1, Math.round(width * scale)),
      height: Math.max(1, Math.round(height * scale)),
      class: "overview-map",
      "aria-hidden": "true",
    });
    // Graphviz draws everything inside one <g> that moves its coordinates into the viewBox.
    const graph = svg.querySelector("g.graph");
    const layer = svgEl("g", { transform: graph?.getAttribute("transform") || "" });
    for (const path of svg.querySelectorAll("g.edge path")) {
      layer.appendChild(svgEl("path", { d: path.getAttribute("d") || "", class: "ov-edge" }));
    }
    for (const node of svg.querySelectorAll("g.node")) {
      const box = node.getBBox();
      const cls = node.classList.contains("op") ? "ov-op" : node.classList.contains("output") ? "ov-output" : "ov-value";
      layer.appendChild(svgEl("rect", { x: box.x, y: box.y, width: box.width, height: box.height, class: cls }));
    }
    this.frame = svgEl("rect", { class: "ov-frame" });
    map.append(layer, this.frame);
    map.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      map.setPointerCapture(e.pointerId);
      this.moveTo(e);
    });
    map.addEventListener("pointermove", (e) => {
      if (map.hasPointerCapture(e.pointerId)) this.moveTo(e);
    });
    this.el.prepend(map);
    this.map = map;
  }

  moveTo(event) {
    const point = this.map.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    const at = point.matrixTransform(this.map.getScreenCTM().inverse());
    this.hooks.onMove(at.x, at.y);
  }

  /** Outline what the view shows; show the map only while part of the drawing is off screen. */
  update({ pan, zoom, width, height, hint }) {
    if (!this.map || !(zoom > 0)) return;
    const vb = this.viewBox;
    const left = pan.x + vb.x * zoom;
    const top = pan.y + vb.y * zoom;
    const right = left + vb.width * zoom;
    const bottom = top + vb.height * zoom;
    const s = FITS_SLACK;
    const fits = left >= -s && top >= -s && right <= width + s && bottom <= height + s;
    this.el.hidden = fits;
    if (fits) return;
    this.el.classList.toggle("with-hint", Boolean(hint));
    // The visible part in drawing coordinates, clipped to the drawing so the frame stays on the map.
    const x0 = Math.max(vb.x, -pan.x / zoom);
    const y0 = Math.max(vb.y, -pan.y / zoom);
    const x1 = Math.min(vb.x + vb.width, (width - pan.x) / zoom);
    const y1 = Math.min(vb.y + vb.height, (height - pan.y) / zoom);
    this.frame.setAttribute("x", String(x0));
    this.frame.setAttribute("y", String(y0));
    this.frame.setAttribute("width", String(Math.max(0, x1 - x0)));
    this.frame.setAttribute("height", String(Math.max(0, y1 - y0)));
  }

  clear() {
    if (this.map) this.map.remove();
    this.map = null;
    this.frame = null;
    this.el.hidden = true;
  }
}
