// A training run's settings: the defaults (micrograd's demo), the choices the page offers, and the
// URL form. Only settings that differ from the defaults go into the URL, so links stay short.

export const DEFAULTS = Object.freeze({
  dataset: "moons",
  n_points: 100,
  noise: 0.1,
  test_fraction: 0,
  n_classes: 2,
  points: null,
  hidden: [16, 16],
  activation: "relu",
  loss: "hinge",
  regularization: "l2",
  reg_strength: 1e-4,
  optimizer: "sgd",
  learning_rate: 1,
  momentum: 0.9,
  schedule: "linear",
  total_steps: 100,
  batch_size: null,
  seed: 1337,
  executor: "auto",
});

export const DEFAULT_SPEED = 10;

export const CHOICES = {
  dataset: ["moons", "circles", "xor", "spiral", "blobs", "linear", "custom", "lecture"],
  activation: ["relu", "tanh", "sigmoid", "linear"],
  loss: ["hinge", "mse", "bce", "softmax_ce"],
  regularization: ["none", "l1", "l2"],
  optimizer: ["sgd", "momentum", "adam"],
  schedule: ["constant", "linear", "cosine"],
  executor: ["auto", "compiled", "eager"],
  learning_rate: [0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.3, 1, 3, 10],
  reg_strength: [0, 1e-5, 1e-4, 1e-3, 0.003, 0.01, 0.03, 0.1, 0.3, 1],
  batch_size: [null, 1, 2, 4, 8, 16, 32, 64],
  speed: [1, 2, 5, 10, 20, 50],
};

export const LABELS = {
  dataset: { moons: "Moons", circles: "Circles", xor: "XOR", spiral: "Spiral", blobs: "Blobs", linear: "Linear", custom: "Draw", lecture: "Lecture" },
  activation: { relu: "ReLU", tanh: "Tanh", sigmoid: "Sigmoid", linear: "Linear" },
  loss: { hinge: "Hinge", mse: "MSE", bce: "Binary CE", softmax_ce: "Softmax CE" },
  regularization: { none: "None", l1: "L1", l2: "L2" },
  optimizer: { sgd: "SGD", momentum: "Momentum", adam: "Adam" },
  schedule: { constant: "Constant", linear: "Linear", cosine: "Cosine" },
  executor: { auto: "Auto", compiled: "Compiled", eager: "Eager" },
};

export const TITLES = {
  loss: {
    hinge: "Hinge (max-margin, as in micrograd's demo)",
    mse: "Mean squared error",
    bce: "Binary cross-entropy on the logit",
    softmax_ce: "Softmax cross-entropy (one output per class)",
  },
};

/** The micrograd lecture's 4 points have 3 features: no 2-D plane, no points/noise/test split to pick. */
export const LECTURE = "lecture";

/** How the lecture trains them: MLP(3, [4, 4, 1]) of tanh neurons, squared error, plain SGD. */
export const LECTURE_SETTINGS = Object.freeze({
  hidden: [4, 4],
  activation: "tanh",
  loss: "mse",
  regularization: "none",
  reg_strength: 0,
  optimizer: "sgd",
  learning_rate: 0.05,
  schedule: "constant",
  batch_size: null,
  test_fraction: 0,
});

/** Inputs of the model for a config's dataset. */
export function inputCount(config) {
  return config.dataset === LECTURE ? 3 : 2;
}

/** Datasets whose class count can be chosen. */
export const MULTI_CLASS_DATASETS = new Set(["blobs", "spiral"]);

const NUMBER_FIELDS = ["n_points", "noise", "test_fraction", "n_classes", "reg_strength", "learning_rate", "momentum", "total_steps", "seed"];
const CHOICE_FIELDS = ["dataset", "activation", "loss", "regularization", "optimizer", "schedule", "executor"];

export function cloneConfig(config) {
  return { ...config, hidden: [...config.hidden], points: config.points ? config.points.map((p) => [...p]) : null };
}

/** Custom points as "x,y,class;x,y,class" with two decimals: small enough for a URL. */
export function encodePoints(points) {
  return points.map(([x, y, c]) => `${+x.toFixed(2)},${+y.toFixed(2)},${c}`).join(";");
}

export function decodePoints(text) {
  const points = [];
  for (const part of text.split(";")) {
    const [x, y, c] = part.split(",").map(Number);
    if ([x, y, c].every(Number.isFinite) && Number.isInteger(c) && c >= 0) points.push([x, y, c]);
  }
  return points;
}

/** {config, speed} from a query string; anything unreadable falls back to its default. */
export function readUrl(search = window.location.search) {
  const q = new URLSearchParams(search);
  const config = cloneConfig(DEFAULTS);
  for (const key of CHOICE_FIELDS) {
    const v = q.get(key);
    if (v !== null && CHOICES[key].includes(v)) config[key] = v;
  }
  for (const key of NUMBER_FIELDS) {
    const v = q.get(key);
    if (v !== null && v.trim() !== "" && Number.isFinite(Number(v))) config[key] = Number(v);
  }
  if (q.has("hidden")) {
    const text = q.get("hidden").trim();
    const sizes = text === "" ? [] : text.split(/[,-]/).map(Number);
    if (sizes.every((n) => Number.isInteger(n) && n > 0)) config.hidden = sizes;
  }
  if (q.has("batch_size")) {
    const b = Number(q.get("batch_size"));
    config.batch_size = Number.isInteger(b) && b > 0 ? b : null;
  }
  if (q.has("points")) config.points = decodePoints(q.get("points"));
  if (config.dataset === LECTURE) config.test_fraction = 0; // the 4 points have no test split
  if (config.dataset !== "custom") config.points = null;
  else if (!config.points) config.points = [];
  const speed = Number(q.get("speed"));
  return { config, speed: Number.isFinite(speed) && speed > 0 ? speed : DEFAULT_SPEED, watch: q.get("watch") };
}

/** The query string for a config (only what differs from the defaults). */
export function toQuery(config, speed = DEFAULT_SPEED) {
  const parts = [];
  const add = (key, value) => parts.push(`${key}=${encodeURIComponent(value).replace(/%2C/g, ",").replace(/%3B/g, ";")}`);
  for (const key of [...CHOICE_FIELDS, ...NUMBER_FIELDS]) {
    if (config[key] !== DEFAULTS[key]) add(key, config[key]);
  }
  if (config.hidden.join(",") !== DEFAULTS.hidden.join(",")) add("hidden", config.hidden.join(","));
  if (config.batch_size !== null) add("batch_size", config.batch_size);
  if (config.dataset === "custom" && config.points) add("points", encodePoints(config.points));
  if (speed !== DEFAULT_SPEED) add("speed", speed);
  return parts.length ? `?${parts.join("&")}` : "";
}

/** Keep the address bar in step with the settings, without adding history entries. */
export function writeUrl(config, speed) {
  const url = `${window.location.pathname}${toQuery(config, speed)}`;
  if (url !== window.location.pathname + window.location.search) window.history.replaceState(null, "", url);
}

/** The request body for POST /api/sessions. */
export function requestBody(config) {
  const body = cloneConfig(config);
  if (body.dataset !== "custom") delete body.points;
  return body;
}

/** A key that is equal for equal configs (to reattach to a run after a reload). */
export function configKey(config) {
  return JSON.stringify(requestBody(config));
}
