// Class colours (TensorFlow Playground's orange/blue first) and the heatmap's light tints of them.

// One colour per class up to max_classes (10): the CSS reads them as --c0..--c9 (set below).
export const CLASS_COLORS = ["#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];

export function classColor(k) {
  return CLASS_COLORS[k % CLASS_COLORS.length];
}

/** Give the stylesheet the class colours (`.dot.c3` is var(--c3)), so they are defined once. */
export function applyClassColors(root = document.documentElement) {
  CLASS_COLORS.forEach((color, k) => root.style.setProperty(`--c${k}`, color));
}

function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const RGB = CLASS_COLORS.map(rgb);

/** A colour between white and a class colour: `t` in [0, 1] is how far (kept light so points show). */
export function tint(k, t, strength = 0.62) {
  const [r, g, b] = RGB[k % RGB.length];
  const a = Math.max(0, Math.min(1, t)) * strength;
  return [Math.round(255 + (r - 255) * a), Math.round(255 + (g - 255) * a), Math.round(255 + (b - 255) * a)];
}

/** Heatmap colour of a cell: binary cells are P(class 1) * 255, others a class index. */
export function cellColor(cell, nClasses) {
  if (nClasses === 2) {
    const p = cell / 255;
    return p >= 0.5 ? tint(1, (p - 0.5) * 2) : tint(0, (0.5 - p) * 2);
  }
  return tint(cell, 0.55, 1);
}

/** Weight colour by sign: blue pushes towards class 1, orange towards class 0. */
export function weightColor(w) {
  return w >= 0 ? CLASS_COLORS[1] : CLASS_COLORS[0];
}
