// What the playground calls nodes and ops in prose (numbers are formatted by ../common/format.js).

import { fmt } from "../common/format.js";

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
