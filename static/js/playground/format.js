// Numbers shown the way the server's drawing shows them (engine/dot.py format_number), and names.

/** JSON numbers may be the strings "NaN", "Infinity", "-Infinity"; Number() turns them back. */
export const num = (x) => (x === null || x === undefined ? x : Number(x));

/** `%.4f` as in micrograd; nan/inf as such; scientific once fixed point gets long (like Python's `.4e`). */
export function fmt(x, decimals = 4) {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x !== 0 && !(10 ** -decimals <= Math.abs(x) && Math.abs(x) < 1e9)) return pyExp(x, decimals);
  const fixed = x.toFixed(decimals);
  // Python keeps the sign of negative numbers that round to zero ("-0.0000"); so does the drawing.
  return (x < 0 || Object.is(x, -0)) && !fixed.startsWith("-") ? "-" + fixed : fixed;
}

/** Python's `f"{x:.{d}e}"`: the exponent has a sign and at least two digits. */
export function pyExp(x, decimals = 4) {
  const [mantissa, exponent] = x.toExponential(decimals).split("e");
  const sign = exponent.startsWith("-") ? "-" : "+";
  return `${mantissa}e${sign}${exponent.replace(/^[+-]/, "").padStart(2, "0")}`;
}

/** A short form for prose: up to 6 significant digits, no trailing zeros. */
export function short(x) {
  if (!Number.isFinite(x)) return fmt(x);
  if (x === 0) return "0";
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-4) return pyExp(x, 3);
  return String(Number(x.toPrecision(6)));
}

/** Relative errors are tiny; scientific with two digits reads best. */
export function sci(x) {
  if (!Number.isFinite(x)) return fmt(x);
  if (x === 0) return "0";
  return pyExp(x, 1);
}

/** Signed difference for the nudge: "+0.1000" / "−0.1000". */
export function signed(x, decimals = 4) {
  const text = fmt(x, decimals);
  return x > 0 ? "+" + text : text;
}

/** What to call a node in prose: its label, else a description of what it is. */
export function nodeName(node) {
  if (node.label) return node.label;
  if (node.is_leaf) return fmt(node.data);
  return `(${node.op_symbol})`;
}

/** Readable op names for the panel. */
export const OP_TITLES = {
  leaf: "leaf",
  add: "addition",
  mul: "multiplication",
  pow: "power",
  relu: "ReLU",
  tanh: "tanh",
  exp: "exponential",
  log: "natural log",
  sigmoid: "sigmoid",
};
