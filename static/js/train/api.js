// The training API (app/routes/sessions.py, app/routes/train.py). Changing calls carry the owner
// token; reads do not.

import { toApiError, unreachable } from "../common/errors.js";

async function call(method, path, { body, text, token, accept = "application/json", keepalive = false } = {}) {
  const headers = { Accept: accept };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (text !== undefined) headers["Content-Type"] = "text/csv";
  if (token) headers["X-Owner-Token"] = token;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: text !== undefined ? text : body === undefined ? undefined : JSON.stringify(body),
      keepalive,
    });
  } catch {
    throw unreachable();
  }
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return null;
  if (accept === "application/json") return response.json();
  return accept.startsWith("image/png") ? response.blob() : response.text();
}

const base = (id) => `/api/sessions/${encodeURIComponent(id)}`;

export const api = {
  options: () => call("GET", "/api/train/options"),
  points: (csv) => call("POST", "/api/train/points", { text: csv }),
  /** A new run; with `room` (and its owner token) it replaces the room's run, whose viewers follow. */
  create: (config, room = null, token = null) =>
    call("POST", `/api/sessions${room ? `?room=${encodeURIComponent(room)}` : ""}`, { body: config, token }),
  detail: (id) => call("GET", base(id)),
  room: (code) => call("GET", `/api/rooms/${encodeURIComponent(code)}`),
  remove: (id, token, next = null) =>
    call("DELETE", base(id) + (next ? `?next=${encodeURIComponent(next)}` : ""), { token, keepalive: true }),
  step: (id, token, steps) => call("POST", `${base(id)}/step`, { body: { steps }, token }),
  play: (id, token, stepsPerSecond) =>
    call("POST", `${base(id)}/play`, { body: { steps_per_second: stepsPerSecond }, token }),
  pause: (id, token) => call("POST", `${base(id)}/pause`, { token }),
  reset: (id, token) => call("POST", `${base(id)}/reset`, { token }),
  network: (id) => call("GET", `${base(id)}/network`),
  atStep: (id, step) => call("GET", `${base(id)}/steps/${step}`),
  editWeight: (id, token, edit) => call("POST", `${base(id)}/weights`, { body: edit, token }),
  stopRules: (id, token, rules) => call("PUT", `${base(id)}/stop-rules`, { body: rules, token }),
  exportUrl: (id, name) => `${base(id)}/export/${name}`,
  graph: (id, sample, split) => call("GET", `${base(id)}/graph?sample=${sample}&split=${split}`),
  neuronSvg: (id, sample, split, neuron) =>
    call("GET", `${base(id)}/graph?sample=${sample}&split=${split}&neuron=${encodeURIComponent(neuron)}&format=svg`, {
      accept: "image/svg+xml",
    }),
  eventsUrl: (id) => `${base(id)}/events`,
};
