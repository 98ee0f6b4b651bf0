// Python mode's Web Worker: CPython (Pyodide) runs the student's program here, off the page's
// thread, so a program that loops forever never freezes the page: the page terminates this worker
// after its time limit (python-runner.js) and starts a fresh one.
//
// Messages in:  {type: "boot", bundleUrl}   once, first
//               {type: "run", id, source, output}
// Messages out: {type: "ready", bootMs, from} | {type: "failed", message}
//               {type: "started", id} | {type: "result", id, json, ms}

import { loadPyodide } from "../../vendor/pyodide/pyodide.mjs";

const PYODIDE_URL = new URL("../../vendor/pyodide/", import.meta.url).href;
const BUNDLE_ZIP = "/home/pyodide/backprop_lab.zip"; // the engine, the micrograd shim and the runner
// An interpreter saved right after start-up (scripts/pyodide-snapshot.mjs, built by `make pyodide`):
// booting from it skips CPython's own start-up, ~4 s of a ~5 s cold start here.
const SNAPSHOT_URL = new URL("snapshot.bin.gz", PYODIDE_URL).href;

let runner = null;
let booting = null;

/** What a program in this worker must not reach: the network (the server's API as the student), other workers. */
function sealNetwork() {
  const scopes = [self, Object.getPrototypeOf(self), WorkerGlobalScope.prototype];
  for (const name of ["fetch", "XMLHttpRequest", "WebSocket", "EventSource", "importScripts", "Worker", "SharedWorker"]) {
    for (const scope of scopes) {
      try {
        delete scope[name];
      } catch {
        // not configurable on this browser: shadow it instead
      }
      if (name in scope) Object.defineProperty(scope, name, { value: undefined, configurable: false });
    }
  }
}

/** The snapshot's memory, inflated (it is stored gzipped). */
async function fetchSnapshot() {
  const response = await fetch(SNAPSHOT_URL);
  if (!response.ok) throw new Error(`snapshot.bin.gz answered ${response.status}`);
  return new Uint8Array(await new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
}

/**
 * Pyodide from the snapshot, or started afresh when the snapshot cannot be had (a server whose
 * static files predate it, a browser that refuses it): slower, never broken. `from` says which.
 */
async function startPython() {
  const options = { indexURL: PYODIDE_URL, stdout: () => {}, stderr: () => {}, packages: [] };
  try {
    const snapshot = fetchSnapshot();
    // loadPyodide awaits it only after its own set-up: a fetch failing before that would be
    // reported as an unhandled rejection (a page error) though the catch below handles it.
    snapshot.catch(() => {});
    const pyodide = await loadPyodide({ ...options, _loadSnapshot: snapshot });
    // The snapshot froze `random`'s state: reseed, as a new interpreter would. (Its str hash seed
    // stays the snapshot's; a program cannot tell but by printing the order of a set of strings.)
    pyodide.runPython("import random; random.seed()");
    return { pyodide, from: "snapshot" };
  } catch (err) {
    console.warn(`Python mode: starting without the snapshot (${err && err.message ? err.message : err})`);
    return { pyodide: await loadPyodide(options), from: "fresh" };
  }
}

async function boot(bundleUrl) {
  const started = performance.now();
  const [{ pyodide, from }, bundle] = await Promise.all([
    startPython(),
    fetch(bundleUrl).then((response) => {
      if (!response.ok) throw new Error(`the Python bundle answered ${response.status}`);
      return response.arrayBuffer();
    }),
  ]);
  // Imported from the zip itself (zipimport): no unpacking, ~0.1 s sooner.
  pyodide.FS.writeFile(BUNDLE_ZIP, new Uint8Array(bundle));
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(BUNDLE_ZIP)})`);
  const module = pyodide.pyimport("playground_runner");
  module.install();
  runner = module.run;
  sealNetwork();
  return { bootMs: performance.now() - started, from };
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "boot") {
    booting = boot(message.bundleUrl);
    try {
      self.postMessage({ type: "ready", ...(await booting) });
    } catch (err) {
      self.postMessage({ type: "failed", message: String(err && err.message ? err.message : err) });
    }
    return;
  }
  if (message.type === "run") {
    try {
      await booting;
    } catch {
      return; // "failed" was posted already
    }
    self.postMessage({ type: "started", id: message.id });
    const started = performance.now();
    let json;
    try {
      json = runner(message.source, message.output ?? null);
    } catch (err) {
      // The runner catches the program's errors; this is the runner itself failing.
      json = JSON.stringify({ graph: null, prints: [], error: { message: String(err.message || err), kind: "internal" } });
    }
    self.postMessage({ type: "result", id: message.id, json, ms: performance.now() - started });
  }
};
