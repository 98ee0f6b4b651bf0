// Where the drawing is on screen: pan and zoom (svg-pan-zoom), the first view of a new drawing,
// keeping a node in view, and the minimap of the rest.
//
// A new drawing opens fitted when its text is readable so (at least READABLE_TEXT_PX on screen, a
// projector's back row), else at that size on its output, with the minimap to navigate. Presentation
// mode asks for bigger text still. The output is never left under the minimap.

/* global svgPanZoom */

import { Overview } from "./overview.js";

// micrograd's draw_dot uses 14 pt; on a 1280x720 projector anything smaller cannot be read.
export const READABLE_TEXT_PX = 14;
export const PRESENT_TEXT_PX = 20; // presentation mode: for the back row
const MAX_FIT_ZOOM = 2.2; // a two-node graph should not fill a projector screen
const FIT_MARGIN = 0.94; // share of the canvas a fitted drawing fills
const DEFAULT_FONT_PX = 14; // what the server's drawings use, if an SVG does not say
const EDGE_MARGIN = 10; // pixels between a drawing's edge and the canvas's when the view is clamped
const CLEAR_MARGIN = 10; // pixels kept between the output node and the minimap
// Stepping through a drawing shown with text smaller than FOLLOW_BELOW_PX zooms to the readable size
// and keeps the current node in view, so a big graph's step can be read.
const FOLLOW_BELOW_PX = 8;
const FOLLOW_MARGIN = 12; // pixels: recentre once the node comes this close to the canvas edge

/** Size and node font of a drawing, read from its SVG text (no DOM needed). */
export function drawingMetrics(svgText) {
  const box = /viewBox="([^"]+)"/.exec(svgText);
  const [, , width, height] = box ? box[1].trim().split(/[\s,]+/).map(Number) : [];
  const font = /font-size="([\d.]+)"/.exec(svgText);
  return { width: width || 0, height: height || 0, fontPx: font ? Number(font[1]) : DEFAULT_FONT_PX };
}

export class Camera {
  /** @param {HTMLElement} canvas where the SVG is; @param {HTMLElement} overviewEl the minimap's box */
  constructor(canvas, overviewEl) {
    this.canvas = canvas;
    this.overviewEl = overviewEl;
    this.panZoom = null;
    this.svg = null;
    this.fontPx = DEFAULT_FONT_PX;
    this.textPx = READABLE_TEXT_PX; // the size a new drawing's text opens at, at least
    // While the view is as fit() left it, a resize (panel opened, window resized) fits again;
    // once the user pans or zooms, their view is kept.
    this.fitted = true;
    this.fitting = false;
    this.placedForUser = false; // the view is as autoView left it, zoomed in on the output
    this.overview = new Overview(overviewEl, { onMove: (x, y) => this.centreOn(x, y) });
    this.overviewFrame = 0;
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(canvas);
  }

  /** The on-screen node text size, in pixels, of `svgText` fitted to the canvas. */
  fitTextPx(svgText) {
    const { width, height, fontPx } = drawingMetrics(svgText);
    // The canvas itself may be hidden (an error or a table was showing); its host has its size.
    const host = this.canvas.parentElement;
    if (!width || !height || !host.clientWidth) return 0;
    return fontPx * Math.min(Math.min(host.clientWidth / width, host.clientHeight / height) * FIT_MARGIN, MAX_FIT_ZOOM);
  }

  /** Take charge of a freshly shown drawing. */
  attach(svg, svgText) {
    this.detach();
    this.svg = svg;
    this.fontPx = drawingMetrics(svgText).fontPx;
    // Set here (CSSOM), or svg-pan-zoom writes a style="" attribute, which the site's CSP refuses.
    svg.style.overflow = "hidden";
    this.panZoom = svgPanZoom(svg, {
      zoomEnabled: true,
      controlIconsEnabled: false,
      dblClickZoomEnabled: false,
      mouseWheelZoomEnabled: true,
      preventMouseEventsDefault: true,
      zoomScaleSensitivity: 0.25,
      minZoom: 0.05,
      maxZoom: 40,
      fit: true,
      center: true,
      onZoom: () => this.userMoved(),
      onPan: () => this.userMoved(),
    });
    this.overview.setDrawing(svg, this.panZoom.getSizes().viewBox);
  }

  detach() {
    if (this.panZoom) this.panZoom.destroy();
    this.panZoom = null;
    this.svg = null;
    this.overview.clear();
  }

  /** Text size on screen now, in pixels. */
  get screenTextPx() {
    return this.panZoom ? this.fontPx * this.panZoom.getSizes().realZoom : 0;
  }

  userMoved() {
    if (!this.fitting) {
      this.fitted = false;
      this.placedForUser = false;
    }
    this.scheduleOverview();
  }

  /** Redraw the minimap's frame once per frame, however many pan/zoom events came. */
  scheduleOverview() {
    if (this.overviewFrame) return;
    this.overviewFrame = requestAnimationFrame(() => {
      this.overviewFrame = 0;
      this.updateOverview();
    });
  }

  updateOverview() {
    if (!this.panZoom) return;
    const { width, height, realZoom } = this.panZoom.getSizes();
    this.overview.update({ pan: this.panZoom.getPan(), zoom: realZoom, width, height, hint: this.placedForUser });
  }

  /** Run a move of the page's own (not the user's) without it counting as the user's. */
  placing(move) {
    this.fitting = true;
    try {
      move();
    } finally {
      this.fitting = false;
    }
  }

  /** Show the whole drawing (the Fit button, F): always all of it, however small. */
  fit() {
    if (!this.panZoom) return;
    this.placing(() => {
      this.panZoom.resize();
      this.panZoom.fit();
      // A margin round the drawing, and no more than MAX_FIT_ZOOM for a tiny graph.
      this.zoomTo(Math.min(this.panZoom.getSizes().realZoom * FIT_MARGIN, MAX_FIT_ZOOM));
      this.panZoom.center();
    });
    this.fitted = true;
    this.scheduleOverview();
  }

  /** Zoom so one drawing unit is `real` screen pixels. */
  zoomTo(real) {
    this.panZoom.zoom((this.panZoom.getZoom() * real) / this.panZoom.getSizes().realZoom);
  }

  /**
   * The first view of a new drawing: fitted when its text is readable so; otherwise at the readable
   * size, on `output` (what a lecture starts from), with as much of the drawing as fits around it.
   */
  autoView(output) {
    this.fit();
    const readable = this.textPx / this.fontPx;
    if (!output) return;
    if (this.panZoom.getSizes().realZoom < readable) {
      const centre = this.nodeCentre(output);
      if (!centre) return;
      this.placing(() => {
        this.zoomTo(readable);
        this.centreOn(centre.x, centre.y);
      });
      // Not "fitted": a resize (the panel opening) keeps this view instead of shrinking it to a fit.
      this.fitted = false;
      this.placedForUser = true; // the minimap explains itself until the user pans or zooms
    }
    this.updateOverview();
    this.keepClear(output);
    this.scheduleOverview();
  }

  /**
   * Pan so a drawing point is in the middle, but never so far that empty canvas shows beyond the
   * drawing's edge on a side where the drawing is larger than the view.
   */
  centreOn(x, y) {
    if (!this.panZoom) return;
    const { width, height, realZoom: zoom, viewBox: vb } = this.panZoom.getSizes();
    const axis = (c, size, start, extent) => {
      const drawn = extent * zoom;
      if (drawn <= size - 2 * EDGE_MARGIN) return (size - drawn) / 2 - start * zoom;
      const lowest = size - EDGE_MARGIN - (start + extent) * zoom; // the drawing's far edge at the view's
      const highest = EDGE_MARGIN - start * zoom; // its near edge at the view's
      return Math.min(highest, Math.max(lowest, size / 2 - c * zoom));
    };
    this.panZoom.pan({ x: axis(x, width, vb.x, vb.width), y: axis(y, height, vb.y, vb.height) });
  }

  /** A shape's centre and box in drawing coordinates (what the pan-zoom matrix maps to the screen). */
  nodeCentre(el) {
    if (!el || !this.svg) return null;
    const viewport = this.svg.querySelector(".svg-pan-zoom_viewport");
    const box = el.getBBox();
    const point = this.svg.createSVGPoint();
    point.x = box.x + box.width / 2;
    point.y = box.y + box.height / 2;
    const centre = point.matrixTransform(viewport.getCTM().inverse().multiply(el.getCTM()));
    return { x: centre.x, y: centre.y, box };
  }

  /** Where a shape is on the canvas (pixels from its top-left), from the pan-zoom state. */
  screenBox(el) {
    const centre = this.nodeCentre(el);
    if (!centre) return null;
    const { realZoom: zoom } = this.panZoom.getSizes();
    const pan = this.panZoom.getPan();
    const { box } = centre;
    return {
      left: (centre.x - box.width / 2) * zoom + pan.x,
      right: (centre.x + box.width / 2) * zoom + pan.x,
      top: (centre.y - box.height / 2) * zoom + pan.y,
      bottom: (centre.y + box.height / 2) * zoom + pan.y,
    };
  }

  /** Move the drawing so `el` is not under the minimap (the shorter way: left or up). */
  keepClear(el) {
    if (this.overviewEl.hidden || !this.panZoom) return;
    const node = this.screenBox(el);
    const canvas = this.canvas.getBoundingClientRect();
    const map = this.overviewEl.getBoundingClientRect();
    const mapBox = {
      left: map.left - canvas.left,
      right: map.right - canvas.left,
      top: map.top - canvas.top,
      bottom: map.bottom - canvas.top,
    };
    const overlaps =
      node && node.left < mapBox.right && node.right > mapBox.left && node.top < mapBox.bottom && node.bottom > mapBox.top;
    if (!overlaps) return;
    const left = node.right - mapBox.left + CLEAR_MARGIN;
    const up = node.bottom - mapBox.top + CLEAR_MARGIN;
    // Moving left must not push the node off the canvas's left edge (a wide node on a phone).
    const canLeft = node.left - left >= 0;
    this.placing(() => this.panZoom.panBy(canLeft && left <= up ? { x: -left, y: 0 } : { x: 0, y: -up }));
    this.updateOverview();
  }

  zoomBy(factor) {
    if (this.panZoom) this.panZoom.zoomBy(factor);
  }

  /** The canvas changed size (panel opened, window resized): keep the view, just re-measure. */
  resize() {
    if (!this.panZoom || this.canvas.clientWidth === 0) return;
    if (this.fitted) {
      this.fit();
      return;
    }
    // Keep what was in the middle in the middle (svg-pan-zoom alone keeps the top-left corner).
    const before = this.panZoom.getSizes();
    this.panZoom.resize();
    const after = this.panZoom.getSizes();
    this.panZoom.panBy({ x: (after.width - before.width) / 2, y: (after.height - before.height) / 2 });
    this.scheduleOverview();
  }

  /** Keep a shape readable and in view while stepping: zoom in on a small drawing, recentre near an edge. */
  follow(el) {
    const centre = this.panZoom && this.canvas.clientWidth > 0 ? this.nodeCentre(el) : null;
    if (!centre) return;
    const box = centre.box;
    const sizes = this.panZoom.getSizes();
    let zoom = sizes.realZoom;
    if (zoom * this.fontPx < FOLLOW_BELOW_PX) {
      zoom = READABLE_TEXT_PX / this.fontPx;
      this.zoomTo(zoom);
    }
    const pan = this.panZoom.getPan();
    const { width, height } = sizes;
    // Where the node's box is on the canvas now; the drawing's user units are its units.
    const outside = (c, half, offset, size) =>
      (c - half) * zoom + offset < FOLLOW_MARGIN || (c + half) * zoom + offset > size - FOLLOW_MARGIN;
    if (outside(centre.x, box.width / 2, pan.x, width) || outside(centre.y, box.height / 2, pan.y, height)) {
      this.panZoom.pan({ x: width / 2 - centre.x * zoom, y: height / 2 - centre.y * zoom });
    }
  }

  /**
   * Bring a shape into view when it is (partly) outside it (keyboard/panel navigation, the panel
   * opening). Computed from the pan-zoom state, not the screen, so it is right even in the frame
   * where a pan is still waiting to be drawn.
   */
  reveal(el, coveredBelow = 0) {
    const box = this.panZoom ? this.screenBox(el) : null;
    if (!box) return;
    const { width, height } = this.panZoom.getSizes();
    const visible = height - coveredBelow;
    if (box.left >= 0 && box.right <= width && box.top >= 0 && box.bottom <= visible) return;
    const centre = this.nodeCentre(el);
    this.centreOn(centre.x, centre.y);
    if (coveredBelow > 0) {
      // A sheet covers the bottom: put the node in the middle of what is left above it.
      const now = this.screenBox(el);
      this.panZoom.panBy({ x: 0, y: visible / 2 - (now.top + now.bottom) / 2 });
    }
  }
}
