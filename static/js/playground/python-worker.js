// Python mode's Web Worker: CPython (Pyodide) runs the student's program here, off the page's
// thread, so a program that loops forever never freezes the page: the page terminates this worker
// after its time limit (python-runner.js) and starts a fresh one.
//
// Messages in:  {type: "boot", bundleUrl}   once, first
//               {type: "run", id, source, output}
// Messages out: {type: "ready", bootMs} | {type: "failed", message}
//               {type: "started", id} | {type: "result", id, json, ms}

import { loadPyodide } from "../../vendor/pyodide/pyodide.mjs";

const PYODIDE_URL = new URL("../../vendor/pyodide/", import.meta.url).href;
const BUNDLE_DIR = "/home/pyodide/backprop_lab"; // the engine, the micrograd shim and the runner

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

async function boot(bundleUrl) {
  const started = performance.now();
  const quiet = () => {};
  const [pyodide, bundle] = await Promise.all([
    loadPyodide({ indexURL: PYODIDE_URL, stdout: quiet, stderr: quiet, packages: [] }),
    fetch(bundleUrl).then((response) => {
      if (!response.ok) throw new Error(`the Python bundle answered ${response.status}`);
      return response.arrayBuffer();
    }),
  ]);
  pyodide.unpackArchive(bundle, "zip", { extractDir: BUNDLE_DIR });
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(BUNDLE_DIR)})`);
  const module = pyodide.pyimport("playground_runner");
  module.install();
  runner = module.run;
  sealNetwork();
  return performance.now() - started;
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "boot") {
    booting = boot(message.bundleUrl);
    try {
      self.postMessage({ type: "ready", bootMs: await booting });
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
