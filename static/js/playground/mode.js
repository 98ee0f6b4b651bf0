// Which language runs the program. "lab", the default, is the server's language (a whitelisted,
// micrograd-shaped subset of Python, the one the REST API runs); "python" is real CPython in the
// browser (Pyodide in a worker). The choice is remembered, and a shared link carries it.

export const MODES = ["lab", "python"];
const STORAGE_KEY = "backprop-lab.mode";

/** The mode this browser used last ("lab" when none, or when storage is off). */
export function rememberedMode() {
  try {
    return localStorage.getItem(STORAGE_KEY) === "python" ? "python" : "lab";
  } catch {
    return "lab";
  }
}

export function rememberMode(mode) {
  try {
    localStorage.setItem(STORAGE_KEY, mode);
  } catch {
    // private browsing: the link still carries the mode
  }
}

// Names Python has and the server's language does not: "name 'isinstance' is not defined" from the
// server means the program is plain Python, not that it has a typo.
const PYTHON_NAMES = new Set(
  (
    "abs all any bool callable chr dict dir divmod enumerate filter float format getattr hasattr hash " +
    "id int isinstance issubclass iter list map max min next object ord pow print property range repr " +
    "reversed round set setattr sorted staticmethod str sum super tuple type vars zip classmethod " +
    "Exception ValueError TypeError math random"
  ).split(" "),
);

/** The names a program imports (`import math`, `from random import uniform as u`). */
function importedNames(source) {
  const names = new Set();
  for (const match of source.matchAll(/^\s*(?:from\s+[\w.]+\s+)?import\s+([^\n#]+)/gm)) {
    for (const part of match[1].replace(/[()]/g, "").split(",")) {
      const words = part.trim().split(/\s+/);
      const name = words.length === 3 && words[1] === "as" ? words[2] : words[0].split(".")[0];
      if (name) names.add(name);
    }
  }
  return names;
}

/**
 * Whether the server refused `source` only because its language lacks something Python has: a
 * statement (def, class, if, while, ...), an operator or constant, or a name Python defines or the
 * program imports. A plain mistake (a typo'd variable, a wrong argument) is not such a refusal.
 */
export function needsPython(message, source) {
  if (/^unsupported (syntax|operator|constant)\b/i.test(message)) return true;
  const name = /^name '([^']+)' is not (?:defined|available)/.exec(message);
  if (!name) return false;
  const root = name[1].split(".")[0];
  return PYTHON_NAMES.has(root) || importedNames(source).has(root);
}

const PYTHON_STATUS = {
  booting: "Starting Python in your browser…",
  ready: "Python in your browser",
  running: "Python is running…",
  stopped: "Python was stopped; a fresh one is starting…",
  failed: "Python could not start in this browser",
};

/** The line under the program that says how Python in this browser is doing. */
export function showPythonStatus(el, status) {
  el.textContent = PYTHON_STATUS[status] || "";
  el.dataset.status = status;
}
