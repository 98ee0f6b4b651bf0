// The training API (app/routes/sessions.py). Changing calls carry the owner token; reads do not.

import { toApiError, unreachable } from "../common/errors.js";

async function call(method, path, { body, token, accept = "application/json", keepalive = false } = {}) {
  const headers = { Accept: accept };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers["X-Owner-Token"] = token;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      keepalive,
    });
  } catch {
    throw unreachable();
  }
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return null;
  return accept === "application/json" ? response.json() : response.text();
}

const base = (id) => `/api/sessions/${encodeURIComponent(id)}`;

export const api = {
  create: (config) => call("POST", "/api/sessions", { body: config }),
  detail: (id) => call("GET", base(id)),
  remove: (id, token, next = null) =>
    call("DELETE", base(id) + (next ? `?next=${encodeURIComponent(next)}` : ""), { token, keepalive: true }),
  step: (id, token, steps) => call("POST", `${base(id)}/step`, { body: { steps }, token }),
  play: (id, token, stepsPerSecond) =>
    call("POST", `${base(id)}/play`, { body: { steps_per_second: stepsPerSecond }, token }),
  pause: (id, token) => call("POST", `${base(id)}/pause`, { token }),
  reset: (id, token) => call("POST", `${base(id)}/reset`, { token }),
  network: (id) => call("GET", `${base(id)}/network`),
  boundary: (id, resolution) => call("GET", `${base(id)}/boundary?resolution=${resolution}`),
  graph: (id, sample, split) => call("GET", `${base(id)}/graph?sample=${sample}&split=${split}`),
  neuronSvg: (id, sample, split, neuron) =>
    call("GET", `${base(id)}/graph?sample=${sample}&split=${split}&neuron=${encodeURIComponent(neuron)}&format=svg`, {
      accept: "image/svg+xml",
    }),
  eventsUrl: (id) => `${base(id)}/events`,
};
