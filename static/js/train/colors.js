// Class colours (TensorFlow Playground's orange/blue first) and the heatmap's light tints of them.

// The class colours come from the server (engine/palette.py, in GET /api/train/options), so the
// page and the exported pictures agree; the CSS reads them as --c0..--c9.
const CLASS_COLORS = [];
let RGB = [];

export function classColor(k) {
  return CLASS_COLORS[k % CLASS_COLORS.length];
}

/** Take the server's palette and give it to the stylesheet (`.dot.c3` is var(--c3)). */
export function applyClassColors(palette, root = document.documentElement) {
  CLASS_COLORS.splice(0, CLASS_COLORS.length, ...palette);
  RGB = CLASS_COLORS.map(rgb);
  CLASS_COLORS.forEach((color, k) => root.style.setProperty(`--c${k}`, color));
}

function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A colour between white and a class colour: `t` in [0, 1] is how far (kept light so points show). */
export function tint(k, t, strength = 0.62) {
  const [r, g, b] = RGB[k % RGB.length];
  const a = Math.max(0, Math.min(1, t)) * strength;
  return [Math.round(255 + (r - 255) * a), Math.round(255 + (g - 255) * a), Math.round(255 + (b - 255) * a)];
}

/**
 * Heatmap colour of a cell. Two classes and regression: the cell is 0..255 on the orange (0) to blue
 * (255) scale (P(class 1), or the prediction from -1 to 1); more classes: a class index.
 * `discretize` shows only which side (class) each cell is on, as TF Playground's toggle.
 */
export function cellColor(cell, nClasses, discretize = false) {
  if (nClasses <= 2) {
    const p = cell / 255;
    if (discretize) return p >= 0.5 ? tint(1, 0.75) : tint(0, 0.75);
    return p >= 0.5 ? tint(1, (p - 0.5) * 2) : tint(0, (0.5 - p) * 2);
  }
  return tint(cell, 0.55, 1);
}

/** A regression point's colour: its value from -1 (orange) to +1 (blue), strongly. */
export function valueColor(v) {
  const t = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
  const [r, g, b] = t >= 0 ? tint(1, t, 1) : tint(0, -t, 1);
  return `rgb(${r}, ${g}, ${b})`;
}

/** Weight colour by sign: blue pushes towards class 1, orange towards class 0. */
export function weightColor(w) {
  return w >= 0 ? CLASS_COLORS[1] : CLASS_COLORS[0];
}
