// Python mode, the page's side: one Web Worker running Pyodide (python-worker.js) at a time.
//
// The time limit counts from when the program starts (not while Python boots). A program still
// running then is stopped the only way a busy worker can be: it is terminated, and a fresh worker
// boots at once, so the next run finds Python warm.

const WORKER_URL = new URL("./python-worker.js", import.meta.url);
// A quiet machine boots Python in ~2 s from its snapshot (~6 s without); a busy one can take tens
// of seconds. Two minutes means it is not coming.
const BOOT_LIMIT_MS = 120_000;

/** A run that went over the time limit. */
export class PythonTimeout extends Error {
  constructor(seconds) {
    super(
      `The program was still running after ${seconds} s, so it was stopped. ` +
        "Look for a loop that never ends, or make the program do less.",
    );
    this.name = "PythonTimeout";
  }
}

/** Python could not be started (a missing file, an old browser). */
export class PythonUnavailable extends Error {
  constructor(message) {
    super(`Python could not start in this browser: ${message}`);
    this.name = "PythonUnavailable";
  }
}

export class PythonRunner {
  /**
   * @param {{bundleUrl: string, timeLimitSeconds: number, onStatus?(status: string): void}} options
   *   onStatus gets "booting" | "ready" | "running" | "stopped" | "failed".
   */
  constructor({ bundleUrl, timeLimitSeconds, onStatus = () => {} }) {
    this.bundleUrl = bundleUrl;
    this.timeLimitSeconds = timeLimitSeconds;
    this.onStatus = onStatus;
    this.worker = null;
    this.ready = null; // Promise of the boot time in ms
    this.nextId = 1;
    this.pending = new Map(); // run id -> {resolve, reject, timer}
    this.lastBootMs = null;
    this.lastBootFrom = null; // "snapshot" | "fresh" (python-worker.js)
  }

  /** Start a worker now (Python boots in the background) unless one is up or coming. */
  warm() {
    if (this.worker) return this.ready;
    const worker = new Worker(WORKER_URL, { type: "module", name: "python" });
    this.worker = worker;
    this.onStatus("booting");
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new PythonUnavailable("it took too long to load")), BOOT_LIMIT_MS);
      worker.addEventListener("message", (event) => {
        const message = event.data;
        if (message.type === "ready") {
          clearTimeout(timer);
          this.lastBootMs = message.bootMs;
          this.lastBootFrom = message.from;
          this.onStatus("ready");
          resolve(message.bootMs);
        } else if (message.type === "failed") {
          clearTimeout(timer);
          reject(new PythonUnavailable(message.message));
        } else {
          this.onMessage(message);
        }
      });
      worker.addEventListener("error", (event) => {
        clearTimeout(timer);
        event.preventDefault();
        reject(new PythonUnavailable(event.message || "its worker did not load"));
      });
    });
    this.ready.catch(() => {
      if (this.worker === worker) this.discard();
      this.onStatus("failed");
    });
    worker.postMessage({ type: "boot", bundleUrl: this.bundleUrl });
    return this.ready;
  }

  /**
   * Run `source` and resolve with the runner's answer: {graph, prints, error, timings}
   * (static/py/playground_runner.py). Rejects with PythonTimeout or PythonUnavailable.
   */
  async run(source, output = null) {
    this.warm();
    await this.ready;
    const id = this.nextId++;
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, timer: null });
      worker.postMessage({ type: "run", id, source, output });
    });
  }

  onMessage(message) {
    const run = this.pending.get(message.id);
    if (!run) return;
    if (message.type === "started") {
      this.onStatus("running");
      run.timer = setTimeout(() => this.stop(message.id), this.timeLimitSeconds * 1000);
    } else if (message.type === "result") {
      clearTimeout(run.timer);
      this.pending.delete(message.id);
      this.onStatus("ready");
      const answer = JSON.parse(message.json);
      answer.workerMs = message.ms;
      run.resolve(answer);
    }
  }

  /** Over the time limit: terminate the worker, fail its runs, boot a fresh one for the next. */
  stop(id) {
    if (!this.pending.has(id)) return;
    this.discard(new PythonTimeout(this.timeLimitSeconds));
    this.onStatus("stopped");
    this.warm();
  }

  /** Terminate the worker; its runs fail with `error`. */
  discard(error = new PythonUnavailable("its worker stopped")) {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.ready = null;
    for (const run of this.pending.values()) {
      clearTimeout(run.timer);
      run.reject(error);
    }
    this.pending.clear();
  }
}
