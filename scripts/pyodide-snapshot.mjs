// Builds Python mode's start-up snapshot: `node scripts/pyodide-snapshot.mjs static/vendor/pyodide`
// (make pyodide runs it, after fetching Pyodide by name and checksum).
//
// Why: CPython's own start-up inside WebAssembly (~4 s on a 2-core machine: the interpreter, its
// import system, Pyodide's bridge) is most of Python mode's first run. Pyodide can save the
// WebAssembly memory of an interpreter that has started and boot the next one from it
// (`loadPyodide({_makeSnapshot})`, `makeMemorySnapshot()`, `loadPyodide({_loadSnapshot})`, the
// feature Cloudflare's Python Workers boot from); the page's worker then starts in ~1 s.
//
// What is in it: the interpreter right after start-up, nothing of ours (the engine comes as a zip
// from the server at every boot, so a snapshot never holds an old engine). It is made here in Node
// from the checksummed files beside it, so it matches them; the Pyodide version is pinned
// (Makefile), and the options are underscored, so a version bump must rerun the browser tests
// (tests/test_browser_python.py boots from this file and fails if it does not load).
//
// Written gzipped (31 MB of memory, mostly zeros, is ~6 MB): the worker inflates it with the
// browser's DecompressionStream.
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { pathToFileURL } from "node:url";

const dir = path.resolve(process.argv[2] ?? "static/vendor/pyodide");
const { loadPyodide } = await import(pathToFileURL(path.join(dir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: dir + path.sep, packages: [], _makeSnapshot: true });
// Node puts the script's path in $_; a browser has no such variable.
pyodide.runPython("import os; os.environ.pop('_', None)");
const memory = pyodide.makeMemorySnapshot();
const out = path.join(dir, "snapshot.bin.gz");
fs.writeFileSync(out + ".tmp", gzipSync(memory, { level: 9 }));
fs.renameSync(out + ".tmp", out);
console.log(`${out}: ${(memory.length / 2 ** 20).toFixed(0)} MiB of memory, ${(fs.statSync(out).size / 2 ** 20).toFixed(1)} MiB gzipped`);
