// Numbers for people, one rule for every page: the server's (engine/dot.py format_number), so the
// drawing, the panels and the charts show the same number the same way. tests/test_browser_common.py
// checks it against format_number itself.

/** JSON numbers may be the strings "NaN", "Infinity", "-Infinity"; Number() turns them back. */
export const num = (x) => (x === null || x === undefined ? x : Number(x));

/** `%.4f` as in micrograd; nan/inf as such; Python's `.4e` outside [1e-4, 1e9). */
export function fmt(x, decimals = 4) {
  if (x === null || x === undefined) return "–";
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x !== 0 && !(10 ** -decimals <= Math.abs(x) && Math.abs(x) < 1e9)) return pyExp(x, decimals);
  const abs = Math.abs(x);
  const fixed = halfEven(abs.toFixed(decimals), abs.toFixed(decimals + 25), decimals);
  // Python keeps the sign of negative numbers that round to zero ("-0.0000"); so does the drawing.
  return x < 0 || Object.is(x, -0) ? "-" + fixed : fixed;
}

/** Python's `f"{x:.{d}e}"`: the exponent has a sign and at least two digits. */
export function pyExp(x, decimals = 4) {
  const abs = Math.abs(x);
  const [longMantissa, longExponent] = abs.toExponential(decimals + 20).split("e");
  const [rounded, roundedExponent] = abs.toExponential(decimals).split("e");
  const mantissa = halfEven(rounded, longMantissa, decimals);
  const exponent = mantissa === rounded ? roundedExponent : longExponent;
  const sign = exponent.startsWith("-") ? "-" : "+";
  return `${x < 0 ? "-" : ""}${mantissa}e${sign}${exponent.replace(/^[+-]/, "").padStart(2, "0")}`;
}

/**
 * Python rounds an exact tie to the even digit (f"{0.03125:.4f}" is "0.0312"), JavaScript away
 * from zero ("0.0313"). `rounded` is JavaScript's answer; `long` the same number with 20+ more
 * digits, which shows whether it is exactly halfway.
 */
function halfEven(rounded, long, decimals) {
  const cut = long.indexOf(".") + 1 + decimals;
  if (!/^50*$/.test(long.slice(cut))) return rounded;
  const truncated = long.slice(0, decimals ? cut : cut - 1);
  return Number(truncated.at(-1)) % 2 === 0 ? truncated : rounded;
}

/**
 * A short form for prose and tight spaces: up to `digits` significant digits, no trailing zeros;
 * Python-style scientific (as fmt) below 1e-4 and from 10^digits on.
 */
export function short(x, digits = 6) {
  if (x === null || x === undefined) return "–";
  if (!Number.isFinite(x)) return fmt(x);
  if (x === 0) return "0";
  const abs = Math.abs(x);
  if (abs >= 10 ** digits || abs < 1e-4) return pyExp(x, Math.min(3, digits - 1));
  return String(Number(x.toPrecision(digits)));
}

/** Relative errors are tiny; scientific with two digits reads best. */
export function sci(x) {
  if (!Number.isFinite(x)) return fmt(x);
  if (x === 0) return "0";
  return pyExp(x, 1);
}

/** Signed difference: "+0.1000" / "-0.1000". */
export function signed(x, decimals = 4) {
  const text = fmt(x, decimals);
  return x > 0 ? "+" + text : text;
}

/** A share as a percentage: "87.5%", "100%"; "–" when there is none. */
export function percent(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  return `${(100 * x).toFixed(x === 1 ? 0 : 1)}%`;
}

/** CSS class for the sign of a number (non-finite numbers count as bad news). */
export function signClass(x, prefix = "num") {
  if (!Number.isFinite(x)) return `${prefix}-neg`;
  if (x > 0) return `${prefix}-pos`;
  if (x < 0) return `${prefix}-neg`;
  return `${prefix}-zero`;
}

/** A whole number with thousands separators: 12,345. */
export function count(n) {
  return Number(n).toLocaleString("en-US");
}
