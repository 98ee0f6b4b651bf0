// Where a graph comes from, one class per mode, with the same three calls:
//   graph(body)  -> {graph, gradientCheckNote}  the numbers (program errors thrown as ApiError)
//   svg(body)    -> SVG text                    the drawing of the graph last returned
//   blob(kind, body) -> Blob                    an export: svg, dot, json or python
// Lab mode: the server runs the program (POST /api/graph/run, /api/graph/svg). Python mode: the
// browser runs it (python-runner.js) and the server only draws the graph it is sent (/api/graph/draw).

import { ApiError } from "../common/errors.js";
import { decodeGraph, fetchDrawing, fetchExport, fetchGraph, fetchSvg } from "./api.js";
import { showPythonStatus } from "./mode.js";
import { PythonRunner } from "./python-runner.js";

export class LabSource {
  constructor() {
    this.mode = "lab";
    this.json = null; // the last graph the server sent, as text, and the program it ran
    this.source = null;
  }

  /** The graph with a gradient check; without it when the check alone is over its limit. */
  async graph(body) {
    let answer;
    let gradientCheckNote = null;
    try {
      answer = await fetchGraph({ ...body, check_gradients: true });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 422 && /gradient check/i.test(err.message))) throw err;
      answer = await fetchGraph({ ...body, check_gradients: false });
      gradientCheckNote = `Skipped for this graph: ${err.message}.`;
    }
    this.json = answer.json;
    this.source = body.source;
    return { graph: answer.graph, gradientCheckNote };
  }

  /** The drawing of the graph the server just sent (POST /api/graph/draw: the program is not run
   * again, which halves the server's work for a big one); of another program, POST /api/graph/svg. */
  svg(body) {
    if (this.json && body.source === this.source) {
      return fetchDrawing(this.json, { rankdir: body.rankdir, expand: body.expand ?? null, format: "svg" });
    }
    return fetchSvg(body);
  }

  async blob(kind, body) {
    if (kind !== "json") return fetchExport(kind, body);
    const response = await fetch("/api/graph", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...body, check_gradients: false }),
    });
    if (!response.ok) throw new Error(`The server answered ${response.status}`);
    return new Blob([JSON.stringify(await response.json(), null, 2)], { type: "application/json" });
  }
}

/** The graph of a program that made no Value: its prints, and a reason instead of a drawing. */
function emptyGraph(prints) {
  return {
    nodes: [],
    edges: [],
    clusters: [],
    output: null,
    forward_order: [],
    backward_order: [],
    gradient_check: null,
    prints,
    stats: { nodes: 0, edges: 0, depth: 0 },
    svg_available: false,
    svg_unavailable_reason: "nothing to draw: the program made no Value",
  };
}

export class PythonSource {
  /** @param {import("./python-runner.js").PythonRunner} runner */
  constructor(runner) {
    this.mode = "python";
    this.runner = runner;
    this.json = null; // the last graph as the runner wrote it: what /api/graph/draw is sent
    this.source = null;
  }

  async graph(body) {
    const answer = await this.runner.run(body.source, body.output);
    const error = answer.error;
    if (error) {
      // "output": the chosen variable is gone (the page falls back to the last value, as in lab mode)
      const status = error.kind === "graph" ? 422 : 400;
      const failure = new ApiError(status, error.message, error.line ?? null, error.column ?? null);
      failure.prints = answer.prints;
      throw failure;
    }
    this.source = body.source;
    if (!answer.graph) {
      this.json = null;
      return { graph: emptyGraph(answer.prints), gradientCheckNote: null, timings: answer.timings };
    }
    this.json = JSON.stringify(answer.graph);
    const graph = decodeGraph(answer.graph);
    graph.svg_available = true;
    return { graph, gradientCheckNote: answer.gradient_check_note, timings: answer.timings };
  }

  svg(body) {
    return fetchDrawing(this.json, { rankdir: body.rankdir, expand: body.expand ?? null, format: "svg" });
  }

  async blob(kind, body) {
    if (kind === "python") return new Blob([this.source ?? body.source], { type: "text/x-python" });
    if (!this.json) throw new Error("there is no graph to export");
    const text = await fetchDrawing(this.json, { rankdir: body.rankdir, expand: body.expand ?? null, format: kind });
    const type = { svg: "image/svg+xml", dot: "text/vnd.graphviz", json: "application/json" }[kind];
    return new Blob([kind === "json" ? JSON.stringify(JSON.parse(text), null, 2) : text], { type });
  }
}

/**
 * Both sources, and the Python runner behind the Python one, configured from the page (`grid`'s
 * data attributes: the bundle's address and the time limit); its state shows in `statusEl` and
 * in the "Running…" box `busyEl`.
 */
export function createSources(grid, statusEl, busyEl) {
  const python = new PythonRunner({
    bundleUrl: grid.dataset.pythonBundle,
    timeLimitSeconds: Number(grid.dataset.pythonSeconds),
    onStatus: (status) => {
      showPythonStatus(statusEl, status);
      busyEl.querySelector(".busy-text").textContent = status === "booting" ? "Starting Python…" : "Running…";
      // The worker's boot time, for benchmarks (bench/pyodide.py).
      if (status === "ready") {
        document.body.dataset.pythonBootMs = String(Math.round(python.lastBootMs));
        document.body.dataset.pythonBootFrom = python.lastBootFrom;
      }
    },
  });
  return { python, sources: { lab: new LabSource(), python: new PythonSource(python) } };
}
