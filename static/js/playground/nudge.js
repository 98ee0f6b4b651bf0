// Editing a leaf: find the numeric literal behind it in the source, write a new one, and compare
// the output's actual change with the change its gradient predicts (the lecture's "nudge").

const NUMBER = /[-+]?(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?/g;

/** Python's float() of a literal ("1_000.5" included), NaN when it is not one. */
function literalValue(text) {
  const t = text.replace(/_/g, "");
  return /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(t) ? Number(t) : NaN;
}

const close = (a, b) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Character index in `line` of a 1-based column that may count UTF-8 bytes (Python's ast does). */
function byteColumnToIndex(line, column) {
  let bytes = 0;
  let index = 0;
  for (const ch of line) {
    if (bytes >= column - 1) break;
    bytes += new TextEncoder().encode(ch).length;
    index += ch.length;
  }
  return index;
}

/**
 * Where the literal of a leaf is: {line, from, to, text, negated} with 0-based line and character
 * indexes, or null when the leaf was not written as one number (then it cannot be edited).
 * `getLine(i)` returns line i (0-based) of the current source; `span` is the node's 1-based span.
 */
export function findLiteral(getLine, span, data) {
  if (!span || span.line !== span.end_line) return null;
  const line = getLine(span.line - 1);
  if (typeof line !== "string") return null;
  const candidates = [
    [span.column - 1, span.end_column - 1],
    [byteColumnToIndex(line, span.column), byteColumnToIndex(line, span.end_column)],
  ];
  for (const [start, end] of candidates) {
    const found = literalIn(line, start, end, data);
    if (found) return { line: span.line - 1, ...found };
  }
  return null;
}

function literalIn(line, start, end, data) {
  if (start < 0 || end > line.length || start >= end) return null;
  const slice = line.slice(start, end);
  for (const match of slice.matchAll(NUMBER)) {
    let from = start + match.index;
    let text = match[0];
    // "+2" / "-2" inside a larger slice: keep the sign only when it is unary (not "a - 2").
    if (/^[-+]/.test(text) && !isUnaryAt(line, from)) {
      from += 1;
      text = text.slice(1);
    }
    const value = literalValue(text);
    if (Number.isNaN(value)) continue;
    if (close(value, data)) return { from, to: from + text.length, text, value };
    // The span may hold only "4.0" of "Value(-4.0)": take the unary minus in front along.
    if (close(-value, data) && !/^[-+]/.test(text)) {
      const minus = previousNonSpace(line, from);
      if (minus >= 0 && line[minus] === "-" && isUnaryAt(line, minus)) {
        return { from: minus, to: from + text.length, text: line.slice(minus, from + text.length), value: -value };
      }
    }
  }
  return null;
}

function previousNonSpace(line, index) {
  let i = index - 1;
  while (i >= 0 && line[i] === " ") i -= 1;
  return i;
}

/** A sign at `index` is unary when what comes before it cannot end an operand. */
function isUnaryAt(line, index) {
  const before = previousNonSpace(line, index);
  return before < 0 || "([{,=+-*/%:<>".includes(line[before]);
}

/** The literal to write for `value`, in the style of the one it replaces (3 stays 3, 3.0 stays a float). */
export function formatLiteral(value, original = "0.0") {
  const isFloat = /[.eE]/.test(original);
  let text = String(Number(value.toPrecision(12)));
  if (/e/.test(text)) return text.replace("e+", "e");
  if (isFloat && !text.includes(".")) text += ".0";
  return text;
}

/**
 * The slider range for a leaf: centred on its value when selected, wide enough to see curvature.
 * Returns {min, max, step}.
 */
export function sliderRange(x0) {
  const r = Math.abs(x0) >= 1 ? Math.abs(x0) : 1;
  const step = niceStep((2 * r) / 200);
  const min = Math.floor((x0 - r) / step) * step;
  const max = Math.ceil((x0 + r) / step) * step;
  return { min, max, step };
}

function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * power) return m * power;
  return 10 * power;
}

/** What the gradient predicts for the output, and what happened: {dx, predicted, actual}. */
export function nudge(baseline, x, out) {
  const dx = x - baseline.x0;
  return { dx, predicted: baseline.grad0 * dx, actual: out - baseline.out0 };
}
