// A run's settings in the address bar: only what differs from the server's defaults, so links stay
// short. Reading a link checks each value against the server's options and limits.

export const DEFAULT_SPEED = 10;
const LIST_FIELDS = new Set(["hidden", "features", "points", "batch_size"]);

export function cloneConfig(config) {
  return structuredClone(config);
}

/** Custom points as "x,y,label;x,y,label" with two decimals (values: four significant digits). */
export function encodePoints(points) {
  const short = (v) => +Number(v).toPrecision(4);
  return points.map(([x, y, c]) => `${+x.toFixed(2)},${+y.toFixed(2)},${short(c)}`).join(";");
}

export function decodePoints(text) {
  const points = [];
  for (const part of text.split(";")) {
    const [x, y, c] = part.split(",").map(Number);
    if ([x, y, c].every(Number.isFinite)) points.push([x, y, c]);
  }
  return points;
}

/**
 * {config, speed, watch, notes} from a query string: anything unreadable falls back to its
 * default; anything over a limit is cut to the limit and said in `notes`.
 */
export function readUrl(options, search = window.location.search) {
  const q = new URLSearchParams(search);
  const config = options.baseline(q.get("dataset"));
  const notes = [];
  for (const [name, field] of Object.entries(options.fields)) {
    if (LIST_FIELDS.has(name) || !q.has(name)) continue;
    const raw = q.get(name);
    if (field.kind === "choice") {
      if (options.values(name).includes(raw)) config[name] = raw;
    } else if (raw.trim() !== "" && Number.isFinite(Number(raw))) {
      config[name] = Number(raw);
    }
  }
  if (q.has("hidden")) {
    const text = q.get("hidden").trim();
    const sizes = text === "" ? [] : text.split(/[,-]/).map(Number);
    if (sizes.every((n) => Number.isInteger(n) && n > 0)) config.hidden = sizes;
  }
  if (q.has("features")) {
    const names = q.get("features").split(",").filter((n) => options.values("features").includes(n));
    if (names.length) config.features = [...new Set(names)];
  }
  if (q.has("batch_size")) {
    const b = Number(q.get("batch_size"));
    config.batch_size = Number.isInteger(b) && b > 0 ? b : null;
  }
  if (q.has("points")) config.points = decodePoints(q.get("points"));
  const kind = options.kind(config.dataset);
  if (!kind.planar) config.test_fraction = 0;
  if (!kind.custom) config.points = null;
  else if (!config.points) config.points = [];
  clampToLimits(options, config, notes);
  const speed = Number(q.get("speed"));
  const maxSpeed = options.limits.max_play_steps_per_second;
  return {
    config,
    speed: Number.isFinite(speed) && speed > 0 ? Math.min(speed, maxSpeed) : DEFAULT_SPEED,
    watch: q.get("watch"),
    room: q.get("room"),
    notes,
  };
}

/** Cut a config to the server's size limits (a link may ask for more); say what was cut. */
export function clampToLimits(options, c, notes = []) {
  const layers = options.max("hidden");
  if (c.hidden.length > layers) {
    notes.push(`${c.hidden.length} hidden layers (at most ${layers})`);
    c.hidden = c.hidden.slice(0, layers);
  }
  const width = options.itemMax("hidden");
  const widest = Math.max(0, ...c.hidden);
  if (widest > width) {
    notes.push(`${widest} neurons in a layer (at most ${width})`);
    c.hidden = c.hidden.map((n) => Math.min(n, width));
  }
  const points = options.max("n_points");
  if (c.n_points > points) {
    notes.push(`${c.n_points} points (at most ${points})`);
    c.n_points = points;
  }
  const custom = options.max("points");
  if (c.points && c.points.length > custom) {
    notes.push(`${c.points.length} drawn points (at most ${custom})`);
    c.points = c.points.slice(0, custom);
  }
  return notes;
}

/** The query string for a config (only what differs from its dataset's baseline, and the dataset). */
export function toQuery(options, config, speed = DEFAULT_SPEED) {
  const defaults = options.baseline(config.dataset);
  defaults.dataset = options.json.defaults.dataset;
  const parts = [];
  const add = (key, value) => parts.push(`${key}=${encodeURIComponent(value).replace(/%2C/g, ",").replace(/%3B/g, ";")}`);
  for (const name of Object.keys(options.fields)) {
    if (LIST_FIELDS.has(name)) continue;
    if (config[name] !== defaults[name]) add(name, config[name]);
  }
  if (config.hidden.join(",") !== defaults.hidden.join(",")) add("hidden", config.hidden.join(","));
  if (config.features.join(",") !== defaults.features.join(",")) add("features", config.features.join(","));
  if (config.batch_size !== defaults.batch_size) add("batch_size", config.batch_size ?? "");
  if (options.kind(config.dataset).custom && config.points) add("points", encodePoints(config.points));
  if (speed !== DEFAULT_SPEED) add("speed", speed);
  return parts.length ? `?${parts.join("&")}` : "";
}

/** Keep the address bar in step with the settings, without adding history entries. */
export function writeUrl(options, config, speed) {
  const url = `${window.location.pathname}${toQuery(options, config, speed)}`;
  if (url !== window.location.pathname + window.location.search) window.history.replaceState(null, "", url);
}

/** The request body for POST /api/sessions. */
export function requestBody(options, config) {
  const body = cloneConfig(config);
  if (!options.kind(body.dataset).custom) delete body.points;
  return body;
}

/** A key that is equal for equal configs (to reattach to a run after a reload). */
export function configKey(options, config) {
  return JSON.stringify(requestBody(options, config));
}
