// The graph API (app/routes/graph.py): one JSON call for the numbers, one SVG call for the drawing.

import { fromDetail, toApiError, unreachable } from "../common/errors.js";
import { num } from "../common/format.js";

async function post(path, body, signal, accept) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: accept },
      body: typeof body === "string" ? body : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw unreachable();
  }
  if (!response.ok) throw await toApiError(response);
  return response;
}

/** Decode the non-finite strings into numbers, once, so the rest of the page sees plain numbers. */
export function decodeGraph(graph) {
  for (const node of graph.nodes) {
    node.data = num(node.data);
    node.grad = num(node.grad);
    node.exponent = num(node.exponent);
  }
  for (const edge of graph.edges) {
    edge.local_grad = num(edge.local_grad);
    edge.contribution = num(edge.contribution);
  }
  for (const check of graph.gradient_check || []) {
    for (const key of ["analytic", "numeric", "abs_error", "relative_error"]) check[key] = num(check[key]);
  }
  return graph;
}

/**
 * POST /api/graph/run: nodes, edges, orders, gradient check, as {graph, json} (decoded, and the
 * text). A program error comes back in the body with status 200 (a 400 would log a network error
 * in the console on every typo); it is thrown here as the ApiError POST /api/graph would have answered.
 */
export async function fetchGraph(body, signal) {
  const response = await post("/api/graph/run", body, signal, "application/json");
  const answer = await response.json();
  if (answer.error) {
    throw fromDetail(answer.status, answer.error);
  }
  // The graph as the server wrote it (non-finite numbers still strings): what /api/graph/draw takes.
  const json = JSON.stringify(answer.graph);
  return { graph: decodeGraph(answer.graph), json };
}

/** POST /api/graph/svg: the drawing as SVG text. */
export async function fetchSvg(body, signal) {
  const response = await post("/api/graph/svg", body, signal, "image/svg+xml");
  return response.text();
}

/** POST /api/graph/{dot,python,svg}: the export as a Blob. */
export async function fetchExport(kind, body) {
  const accept = { svg: "image/svg+xml", dot: "text/vnd.graphviz", python: "text/x-python" }[kind];
  const response = await post(`/api/graph/${kind}`, body, undefined, accept);
  return response.blob();
}

/**
 * POST /api/graph/draw: a graph the page already has (Python mode's, as the JSON text the runner
 * wrote) drawn by the server: "svg" or "dot" (text), or "json" (the graph as the server checked it).
 */
export async function fetchDrawing(graphJson, { rankdir = "LR", expand = null, format = "svg" } = {}, signal) {
  const accept = { svg: "image/svg+xml", dot: "text/vnd.graphviz", json: "application/json" }[format];
  // The options go in the same object as the graph; the graph's text is not parsed again for that.
  const body = `{"rankdir":${JSON.stringify(rankdir)},"expand":${JSON.stringify(expand)},${graphJson.slice(1)}`;
  const response = await post(`/api/graph/draw?format=${format}`, body, signal, accept);
  return response.text();
}
