// Numbers for people: the fixed 4 decimals of the graph drawings, and short forms for live stats.

/** `%.4f` as in micrograd; nan/inf as such; scientific once fixed point gets long. */
export function fmt(x, decimals = 4) {
  if (x === null || x === undefined) return "–";
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x !== 0 && !(10 ** -decimals <= Math.abs(x) && Math.abs(x) < 1e9)) return x.toExponential(decimals - 1);
  return x.toFixed(decimals);
}

/** Three significant digits: live losses. */
export function short(x) {
  if (x === null || x === undefined) return "–";
  if (!Number.isFinite(x)) return fmt(x);
  if (x === 0) return "0";
  const abs = Math.abs(x);
  if (abs >= 1e5 || abs < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

export function percent(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  return `${(100 * x).toFixed(x === 1 ? 0 : 1)}%`;
}

/** CSS class for the sign of a number. */
export function signClass(x, prefix = "num") {
  if (!Number.isFinite(x)) return `${prefix}-neg`;
  if (x > 0) return `${prefix}-pos`;
  if (x < 0) return `${prefix}-neg`;
  return `${prefix}-zero`;
}

/** Escape text for innerHTML. */
export function esc(text) {
  return String(text).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);
}
