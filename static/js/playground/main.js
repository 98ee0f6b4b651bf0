// The playground page: wires the editor, the graph, the side panel, the stepper and the URL together.
//
// One run = the numbers (from the server in lab mode, from Python in the browser in Python mode:
// sources.js), then, only when the graph's shape changed, the drawing (the server's SVG). When only
// numbers changed (a leaf was nudged), they are written into the drawing in place, so the layout,
// pan and zoom stay where they are.

import { $, $$, h, isTyping, replaceChildren } from "../common/dom.js";
import { ApiError, errorMessage, errorWhere } from "../common/errors.js";
import { Editor } from "./editor.js";
import { EXAMPLES } from "./examples.js";
import { clusterOf, withClosed, withOpened } from "./clusters.js";
import { exportAs, Menu, SharePopover, toast } from "./export.js";
import { fmt } from "../common/format.js";
import { PRESENT_TEXT_PX, READABLE_TEXT_PX } from "./camera.js";
import { GraphView } from "./graph-view.js";
import { bindKeys } from "./keys.js";
import { MODES, needsPython, rememberedMode, rememberMode } from "./mode.js";
import { renderNodeTable } from "./node-table.js";
import { findLiteral, formatLiteral, nudge } from "./nudge.js";
import { Panel } from "./panel.js";
import { PythonRunner } from "./python-runner.js";
import { LabSource, PythonSource } from "./sources.js";
import { Stepper } from "./stepper.js";
import { readState, shareUrl, writeState } from "./url.js";

const AUTO_RUN_MS = 650; // after the last keystroke
const BUSY_AFTER_MS = 250; // show "Running…" only when a run is slow enough to notice
const START_EXAMPLE = "neuron"; // small enough to read at a glance on a projector
// A new program's drawing whose fitted text would be smaller than this is drawn the other way too
// (LR vs TB), and the one that shows larger kept; big graphs skip the second drawing (its time).
const DIRECTION_TRIAL_PX = 9;
const DIRECTION_TRIAL_MAX_NODES = 150;

const state = {
  rankdir: "LR",
  // The direction is "fixed" when the user picked it (sticky) or the link named it; otherwise the
  // first drawing of a new program may turn a graph too wide to read into TB (pickDir), and the URL
  // leaves it out, so each screen picks its own.
  userDir: false,
  dirFixed: false,
  pickDir: false,
  output: null,
  graph: null, // the last graph that ran
  drawn: "none", // "svg" | "table" | "none"
  drawnKey: null, // shape of the drawing on screen: same key => update numbers in place
  selected: null, // {id, kind}
  baseline: null, // {leafId, x0, out0, grad0}: the leaf's value when it was selected
  leafLiteral: null, // {id, line, from, to, text}: where the last leaf edit wrote its number
  leafEditSource: null, // the program text a leaf edit produced
  gradientCheckNote: null,
  running: false,
  rerun: false,
  autoTimer: null,
  source: "", // the program of state.graph
  mode: "lab", // "lab" | "python" (mode.js)
  presenting: false,
  expand: null, // clusters drawn open (clusters.js); null: the server collapses what it must
};

const els = {
  grid: $("#pg-grid"),
  canvas: $("#graph-canvas"),
  host: $("#graph-host"),
  message: $("#graph-message"),
  tooltip: $("#graph-tooltip"),
  busy: $("#graph-busy"),
  stale: $("#graph-stale"),
  legend: $("#graph-legend"),
  legendMax: $("#legend-max"),
  errorBar: $("#error-bar"),
  errorWhere: $("#error-where"),
  errorMessage: $("#error-message"),
  errorGoto: $("#error-goto"),
  prints: $("#prints"),
  printsText: $("#prints-text"),
  status: $("#status"),
  outputSelect: $("#output-select"),
  examples: $("#examples"),
  colourBtn: $("#colour-btn"),
  playBtn: $("#play-btn"),
  caption: $("#step-caption"),
  progress: $("#step-progress-bar"),
  panel: $("#node-panel"),
  sharePop: $("#share-pop"),
  shareUrl: $("#share-url"),
  shareNote: $("#share-note"),
  shareBtn: $("#share-btn"),
  help: $("#help-dialog"),
};

// ---------------------------------------------------------------------------------------- parts

const editor = new Editor($("#source"), {
  onRun: () => runNow(),
  onChange: (origin) => {
    if (origin === "setValue" || origin === "+leaf") return; // the caller runs
    scheduleRun();
  },
  onEscape: () => $("#run-btn").focus(),
});

const view = new GraphView(els.canvas, {
  onSelect: (id, kind) => select(id, kind),
  onOpenCluster: (id) => setExpand(withOpened(state.graph, state.expand, id), id),
  onCloseCluster: (id) => setExpand(withClosed(state.graph, state.expand, id), id),
  tooltip: els.tooltip,
  message: els.message,
  overview: $("#graph-overview"),
});

const panel = new Panel(els.panel, $("#node-panel-body"), {
  onSelect: (id, kind) => select(id, kind, { reveal: true }),
  onPeek: (id) => view.hover(id),
  onLeafValue: (id, value) => setLeaf(id, value),
  onLeafReset: (id) => state.baseline && setLeaf(id, state.baseline.x0),
});

const grid = $("#pg-grid");
const python = new PythonRunner({
  bundleUrl: grid.dataset.pythonBundle,
  timeLimitSeconds: Number(grid.dataset.pythonSeconds),
  onStatus: (status) => showPythonStatus(status),
});
const sources = { lab: new LabSource(), python: new PythonSource(python) };

const stepper = new Stepper({
  onChange: (step) => view.setStep(step),
  onCaption: (text, progress) => {
    els.caption.textContent = text;
    els.progress.style.width = `${Math.round(progress * 100)}%`;
    $("#step-exit").hidden = !stepper.active;
    $("#step-btn").disabled = stepper.atEnd; // the end of the pass: Reset or Play starts over
  },
  onPlaying: (playing) => {
    els.playBtn.setAttribute("aria-pressed", String(playing));
    els.playBtn.querySelector(".play-label").textContent = playing ? "Pause" : "Play";
    els.playBtn.setAttribute("aria-label", playing ? "Pause" : "Play");
  },
});

// ---------------------------------------------------------------------------------------- running

function scheduleRun() {
  clearTimeout(state.autoTimer);
  state.autoTimer = setTimeout(() => run(), AUTO_RUN_MS);
}

function runNow() {
  clearTimeout(state.autoTimer);
  return run();
}

/** Run the editor's program. One request at a time; edits made meanwhile run right after. */
async function run() {
  if (state.running) {
    state.rerun = true;
    return;
  }
  state.running = true;
  const busyTimer = setTimeout(() => (els.busy.hidden = false), BUSY_AFTER_MS);
  const started = performance.now();
  const source = editor.getValue();
  const body = { source, output: state.output, rankdir: state.rankdir, expand: state.expand };
  const source_ = sources[state.mode];
  // In lab mode the drawing does not depend on the numbers: ask for it at the same time (the
  // server's two cores), unless only a leaf's number changed (then the drawing is updated in place).
  const early = source_.mode === "lab" && source !== state.leafEditSource ? source_.svg(body) : null;
  early?.catch(() => {}); // a failed guess is ignored; the drawing is asked for again below
  let outcome = "error";
  try {
    const graph = await loadGraph(source_, body);
    await show(source_, graph, body, early);
    clearError();
    writeState(linkState());
    outcome = "ok";
    // From Run to the drawing on screen: for benchmarks (bench/pyodide.py) and tests.
    document.body.dataset.lastRunMs = String(Math.round(performance.now() - started));
  } catch (err) {
    showError(err);
  } finally {
    clearTimeout(busyTimer);
    els.busy.hidden = true;
    state.running = false;
    // How many runs finished and how the last one ended: for scripts and tests driving the page.
    document.body.dataset.runs = String(Number(document.body.dataset.runs || 0) + 1);
    document.body.dataset.lastRun = outcome;
    if (state.rerun) {
      state.rerun = false;
      run();
    }
  }
}

/** The graph from the mode's source; a chosen output that is gone falls back to the last value. */
async function loadGraph(source, body) {
  try {
    const { graph, gradientCheckNote } = await source.graph(body);
    state.gradientCheckNote = gradientCheckNote;
    return graph;
  } catch (err) {
    if (err instanceof ApiError && err.status === 422 && body.expand) {
      // The clusters opened before are not all in this program's graph: let the server choose.
      state.expand = null;
      body.expand = null;
      return loadGraph(source, body);
    }
    if (err instanceof ApiError && err.status === 400 && body.output && !err.line) {
      state.output = null;
      els.outputSelect.value = "";
      body.output = null;
      return loadGraph(source, body);
    }
    throw err;
  }
}

/** A key for the drawing's shape: the same key means the same SVG layout. */
function shapeKey(graph, { rankdir, expand }) {
  const nodes = graph.nodes.map((n) => `${n.op_symbol}:${n.label}:${n.is_output ? 1 : 0}`).join(",");
  const edges = graph.edges.map((e) => `${e.source}>${e.target}`).join(",");
  const boxes = expand ? `open:${expand.join(",")}` : `auto:${(graph.collapsed || []).join(",")}`;
  return `${rankdir}|${nodes}|${edges}|${boxes}`;
}

/**
 * The drawing for `body`. When the direction is the page's to pick and the drawing would be too small
 * to read fitted, the other direction's drawing too, keeping the one whose fit is larger.
 */
async function drawingFor(source, body, graph, early) {
  let svg;
  try {
    svg = early && body.expand === state.expand ? await early : await source.svg(body);
  } catch {
    svg = await source.svg(body); // the early request failed or guessed wrong: ask again, and report that
  }
  if (!state.pickDir || state.dirFixed) return svg;
  const here = view.fitTextPx(svg);
  if (here >= DIRECTION_TRIAL_PX || graph.nodes.length > DIRECTION_TRIAL_MAX_NODES) return svg;
  const other = body.rankdir === "TB" ? "LR" : "TB";
  let otherSvg;
  try {
    otherSvg = await source.svg({ ...body, rankdir: other });
  } catch {
    return svg; // the first direction drew: show that
  }
  if (view.fitTextPx(otherSvg) <= here) return svg;
  body.rankdir = other;
  state.rankdir = other;
  pressDirection();
  return otherSvg;
}

async function show(source, graph, body, early = null) {
  let key = `${source.mode}|${shapeKey(graph, body)}`;
  const sameShape = key === state.drawnKey;
  if (graph.output === null) {
    showNothing(graph);
  } else if (sameShape && state.drawn === "svg") {
    view.updateNumbers(graph);
  } else if (graph.svg_available) {
    try {
      const svg = await drawingFor(source, body, graph, early);
      key = `${source.mode}|${shapeKey(graph, body)}`;
      showDrawing();
      view.showSvg(svg, graph);
      state.drawn = "svg";
    } catch (err) {
      if (!(err instanceof ApiError) || ![413, 503].includes(err.status)) throw err;
      showTable(graph, err.message);
    }
  } else {
    showTable(graph, graph.svg_unavailable_reason);
  }
  state.drawnKey = key;
  state.pickDir = false;
  const previousSource = state.source;
  state.graph = graph;
  state.source = body.source;
  view.setColourByGrad(view.colourByGrad);
  updateLegend();

  if (sameShape) {
    stepper.graph = graph;
    if (stepper.active) stepper.goTo(stepper.k);
  } else {
    stepper.setGraph(graph);
  }
  const fromLeafEdit = body.source === state.leafEditSource && sameShape;
  if (!fromLeafEdit) state.leafLiteral = null;
  if (state.selected && sameShape) {
    if (!fromLeafEdit && previousSource !== body.source) state.baseline = null;
    renderPanel();
    view.select(state.selected.id, state.selected.kind);
  } else if (state.selected) {
    closePanel(false);
  }
  updateOutputs(graph);
  updatePrints(graph);
  updateStatus(graph);
}

function showDrawing() {
  els.message.hidden = true;
  els.canvas.hidden = false;
  els.host.classList.remove("is-table");
  els.grid.classList.remove("no-drawing");
}

/** A program that made no Value: its prints are its answer. */
function showNothing(graph) {
  view.clear();
  state.drawn = "none";
  els.canvas.hidden = true;
  els.message.hidden = false;
  els.grid.classList.add("no-drawing");
  const printed = (graph.prints || []).length > 0;
  replaceChildren(
    els.message,
    h(
      "div",
      { class: "empty-state" },
      h("h3", {}, "Nothing to draw"),
      h("p", {}, `The program made no Value to draw${printed ? "; what it printed is under the program" : ""}.`),
    ),
  );
}

function showTable(graph, reason) {
  view.clear();
  state.drawn = "table";
  els.canvas.hidden = true;
  els.message.hidden = false;
  els.host.classList.add("is-table");
  els.grid.classList.add("no-drawing"); // nothing to step through, zoom or colour
  renderNodeTable(els.message, graph, {
    title: "This graph is too large to draw",
    reason: reason || "The server does not draw graphs this large.",
    onSelect: (id, kind) => select(id, kind),
  });
}

/**
 * Draw the same graph with other clusters open (`expand`), keeping the numbers; the view goes to
 * cluster `focus`. Over the render limit the server says so and the drawing stays as it is.
 */
async function setExpand(expand, focus) {
  const started = performance.now();
  const source = sources[state.mode];
  const body = { source: state.source, output: state.output, rankdir: state.rankdir, expand };
  let svg;
  try {
    svg = await source.svg(body);
  } catch (err) {
    toast(err instanceof ApiError && err.status === 413 ? `${err.message}. Collapse another cluster first.` : errorMessage(err));
    return;
  }
  state.expand = expand;
  if (state.selected) closePanel(false);
  view.showSvg(svg, state.graph);
  state.drawnKey = `${source.mode}|${shapeKey(state.graph, body)}`;
  stepper.setGraph(state.graph);
  const cluster = clusterOf(state.graph, focus);
  if (cluster?.output) view.reveal(cluster.output);
  writeState(linkState());
  document.body.dataset.lastExpandMs = String(Math.round(performance.now() - started));
  document.body.dataset.expands = String(Number(document.body.dataset.expands || 0) + 1);
}

// ---------------------------------------------------------------------------------------- errors

function showError(err) {
  if (panel.isOpen) closePanel(false); // it describes the graph that is now stale
  setEditorVisible(true); // the error is marked there
  const isApi = err instanceof ApiError;
  const message = errorMessage(err);
  els.errorBar.hidden = false;
  els.errorWhere.textContent = `${err && err.name === "PythonTimeout" ? "Stopped" : errorWhere(err)}:`;
  if (err && err.prints) updatePrints({ prints: err.prints }); // Python mode: what it printed before failing
  if (isApi && err.line) {
    editor.markError(err.line, err.column, message);
    els.errorGoto.hidden = false;
    els.errorGoto.onclick = () => editor.goTo(err.line, err.column);
  } else {
    editor.clearError();
    els.errorGoto.hidden = true;
  }
  els.errorMessage.textContent = message;
  // The server refused plain Python it has no words for: offer to run it as Python (one click).
  $("#error-offer").hidden = !(isApi && state.mode === "lab" && err.status === 400 && needsPython(message, editor.getValue()));
  const hasGraph = state.graph !== null;
  els.stale.hidden = !hasGraph;
  els.host.classList.toggle("is-stale", hasGraph);
  if (!hasGraph) {
    els.canvas.hidden = true;
    els.message.hidden = false;
    replaceChildren(
      els.message,
      h(
        "div",
        { class: "empty-state" },
        h("h3", {}, "No graph yet"),
        h("p", {}, "Fix the program on the left and it runs again by itself (or press Ctrl+Enter)."),
      ),
    );
  }
}

function clearError() {
  els.errorBar.hidden = true;
  els.stale.hidden = true;
  els.host.classList.remove("is-stale");
  editor.clearError();
}

// ---------------------------------------------------------------------------------------- side bits

function updateOutputs(graph) {
  const names = [];
  for (const node of graph.nodes) if (node.name && !names.includes(node.name)) names.push(node.name);
  const output = graph.output === null ? {} : graph.nodes[Number(graph.output.slice(1))];
  const select = els.outputSelect;
  const current = state.output;
  replaceChildren(
    select,
    h("option", { value: "" }, `last value${output.name && !current ? ` (${output.name})` : ""}`),
    names.map((name) => h("option", { value: name }, name)),
  );
  select.value = current && names.includes(current) ? current : "";
}

function updatePrints(graph) {
  const lines = graph.prints || [];
  els.prints.hidden = lines.length === 0;
  els.printsText.textContent = lines.map((p) => p.text).join("\n");
}

function updateStatus(graph) {
  const s = graph.stats;
  els.status.textContent = graph.output === null ? "" : `${s.nodes} values · ${s.edges} edges · depth ${s.depth}`;
}

// ---------------------------------------------------------------------------------------- modes

const PYTHON_STATUS = {
  booting: "Starting Python in your browser…",
  ready: "Python in your browser",
  running: "Python is running…",
  stopped: "Python was stopped; a fresh one is starting…",
  failed: "Python could not start in this browser",
};

function showPythonStatus(status) {
  const el = $("#python-status");
  el.textContent = PYTHON_STATUS[status] || "";
  el.dataset.status = status;
  if (status === "ready" && python.lastBootMs !== null) document.body.dataset.pythonBootMs = String(Math.round(python.lastBootMs));
  els.busy.querySelector(".busy-text").textContent = status === "booting" ? "Starting Python…" : "Running…";
}

/** Switch the language that runs the program; remembered, and in the link. */
function setMode(mode, { run: runAfter = true } = {}) {
  if (!MODES.includes(mode)) return;
  const changed = mode !== state.mode;
  state.mode = mode;
  rememberMode(mode);
  for (const btn of $$("button[data-mode]")) btn.setAttribute("aria-pressed", String(btn.dataset.mode === mode));
  document.body.dataset.mode = mode;
  $("#python-status").hidden = mode !== "python";
  if (mode === "python") python.warm(); // boots in the background while the student reads
  if (changed && runAfter) runNow();
}

/** What a link must carry to reproduce the graph. */
function linkState() {
  return {
    source: editor.getValue(),
    output: state.output,
    rankdir: linkedRankdir(),
    mode: state.mode,
    present: state.presenting,
  };
}

function updateLegend() {
  const on = view.colourByGrad && state.graph !== null;
  els.legend.hidden = !on;
  if (on) els.legendMax.textContent = fmt(view.maxAbsGrad());
}

function outputName() {
  const graph = state.graph;
  if (graph.output === null) return "out";
  const out = graph.nodes[Number(graph.output.slice(1))];
  return out.label || "out";
}

// ---------------------------------------------------------------------------------------- selection

function select(id, kind = "value", { reveal = false } = {}) {
  const node = state.graph?.nodes[Number(id.slice(1))];
  if (!node) return;
  const changed = !state.selected || state.selected.id !== id;
  state.selected = { id, kind };
  if (changed) {
    state.baseline = null;
    state.leafLiteral = null;
  }
  const wasOpen = panel.isOpen;
  renderPanel();
  view.select(id, kind);
  els.grid.classList.add("has-panel");
  if (!wasOpen) {
    // The drawing is about to move under the pointer: drop the hover state it had.
    view.hover(null);
    view.hideTooltip();
    requestAnimationFrame(() => {
      view.resize();
      view.reveal(id, sheetHeight()); // the narrower canvas may have pushed the chosen node out of sight
    });
  }
  if (reveal) view.reveal(id, sheetHeight());
}

/** How much of the graph the panel covers: on a phone it is a sheet over the graph's lower part. */
function sheetHeight() {
  if (getComputedStyle(els.panel).position !== "fixed") return 0;
  const canvas = els.canvas.getBoundingClientRect();
  return Math.max(0, canvas.bottom - els.panel.getBoundingClientRect().top);
}

function renderPanel() {
  const { id, kind } = state.selected;
  const graph = state.graph;
  const node = graph.nodes[Number(id.slice(1))];
  const out = graph.nodes[Number(graph.output.slice(1))];
  let editable = false;
  if (node.is_leaf && kind === "value") {
    editable = Boolean(literalFor(node));
    if (!state.baseline || state.baseline.leafId !== id) {
      state.baseline = { leafId: id, x0: node.data, out0: out.data, grad0: node.grad };
    }
  }
  const base = state.baseline && state.baseline.leafId === id ? state.baseline : null;
  panel.show(graph, id, kind, {
    editable,
    baseline: base,
    nudge: base ? nudge(base, node.data, out.data) : null,
    outputName: outputName(),
    gradientCheckNote: state.gradientCheckNote,
  });
}

function closePanel(restoreFocus = true) {
  const selected = state.selected;
  panel.close();
  state.selected = null;
  state.baseline = null;
  view.select(null);
  els.grid.classList.remove("has-panel");
  requestAnimationFrame(() => view.resize());
  if (restoreFocus && selected) view.focusNode(selected.id, selected.kind);
}

// ---------------------------------------------------------------------------------------- leaf edits

/** Where the leaf's number is in the editor now: the last edit's spot, else the graph's span. */
function literalFor(node) {
  const lit = state.leafLiteral;
  if (lit && lit.id === node.id && editor.getLine(lit.line)?.slice(lit.from, lit.to) === lit.text) return lit;
  if (state.source !== editor.getValue()) return null; // spans describe the program that ran
  return findLiteral((i) => editor.getLine(i), node.span, node.data);
}

function setLeaf(id, value) {
  const node = state.graph.nodes[Number(id.slice(1))];
  const lit = literalFor(node);
  if (!lit) return;
  const text = formatLiteral(value, lit.text);
  if (text === lit.text) return;
  editor.replaceRange(text, { line: lit.line, ch: lit.from }, { line: lit.line, ch: lit.to }, "+leaf");
  editor.flash({ line: lit.line, ch: lit.from }, { line: lit.line, ch: lit.from + text.length });
  state.leafLiteral = { id, line: lit.line, from: lit.from, to: lit.from + text.length, text };
  state.leafEditSource = editor.getValue();
  runNow();
}

// ---------------------------------------------------------------------------------------- controls

function setRankdir(dir) {
  const same = dir === state.rankdir && state.dirFixed;
  state.userDir = true;
  state.dirFixed = true;
  if (same) return;
  state.rankdir = dir;
  pressDirection();
  runNow(); // redraws, or (the page had picked this direction) just writes it into the URL
}

function pressDirection() {
  for (const btn of $$("[data-rankdir]")) btn.setAttribute("aria-pressed", String(btn.dataset.rankdir === state.rankdir));
}

/** A new program is coming: let its first drawing pick the direction unless it is fixed. */
function newProgram(linkedDir = null) {
  if (linkedDir) {
    state.rankdir = linkedDir;
    state.dirFixed = true;
  } else if (!state.userDir) {
    state.rankdir = "LR"; // the lecture's own direction, whenever it can be read
    state.dirFixed = false;
  }
  state.pickDir = !state.dirFixed;
  pressDirection();
}

/** The direction a link should carry: only one that was chosen, not one this screen picked. */
function linkedRankdir() {
  return state.dirFixed ? state.rankdir : null;
}

function toggleColour() {
  const on = !view.colourByGrad;
  view.setColourByGrad(on);
  els.colourBtn.setAttribute("aria-pressed", String(on));
  updateLegend();
}

/** Hide or show the program column; the graph takes the room (a projector wants all of it). */
function setEditorVisible(visible) {
  const btn = $("#editor-toggle");
  if (visible && state.presenting) setPresenting(false);
  els.grid.classList.toggle("editor-collapsed", !visible);
  btn.setAttribute("aria-expanded", String(visible));
  const label = visible ? "Hide the program" : "Show the program";
  btn.setAttribute("aria-label", label);
  btn.title = `${label}${visible ? ": more room for the graph" : ""} (H)`;
  // On a medium screen the open panel takes the program's place: showing the program closes it.
  if (visible && panel.isOpen && getComputedStyle($("#editor-section")).display === "none") closePanel(false);
  if (visible) editor.refresh(); // CodeMirror measures nothing while hidden
}

/**
 * Presentation mode (button, M, &present=1): no program column, and graph and panel text sized for
 * the back row of a lecture hall.
 */
function setPresenting(on) {
  state.presenting = on;
  document.body.classList.toggle("presenting", on);
  const btn = $("#present-btn");
  btn.setAttribute("aria-pressed", String(on));
  view.camera.textPx = on ? PRESENT_TEXT_PX : READABLE_TEXT_PX;
  if (state.graph) writeState(linkState());
  requestAnimationFrame(() => view.camera.autoView(view.index?.values.get(state.graph?.output)?.g));
}

function setPass(pass) {
  for (const btn of $$("[data-pass]")) btn.setAttribute("aria-pressed", String(btn.dataset.pass === pass));
  stepper.setPass(pass);
}

function loadExample(id) {
  const example = EXAMPLES.find((e) => e.id === id);
  if (!example) return;
  state.output = null;
  state.expand = null;
  closePanel(false);
  newProgram();
  editor.setValue(example.source);
  runNow();
}

function bindControls() {
  $("#run-btn").addEventListener("click", () => runNow());
  for (const btn of $$("[data-rankdir]")) btn.addEventListener("click", () => setRankdir(btn.dataset.rankdir));
  for (const btn of $$("[data-pass]")) btn.addEventListener("click", () => setPass(btn.dataset.pass));
  els.colourBtn.addEventListener("click", toggleColour);
  $("#editor-toggle").addEventListener("click", () => setEditorVisible(els.grid.classList.contains("editor-collapsed")));
  $("#present-btn").addEventListener("click", () => setPresenting(!state.presenting));
  $("#fit-btn").addEventListener("click", () => view.fit());
  $("#zoom-in").addEventListener("click", () => view.zoomBy(1.25));
  $("#zoom-out").addEventListener("click", () => view.zoomBy(0.8));
  $("#step-btn").addEventListener("click", () => stepper.step());
  $("#step-reset").addEventListener("click", () => stepper.reset());
  $("#step-exit").addEventListener("click", () => stepper.stop());
  els.playBtn.addEventListener("click", () => stepper.toggle());
  $("#speed").addEventListener("change", (e) => stepper.setSpeed(Number(e.target.value)));
  $("#panel-close").addEventListener("click", () => closePanel());
  els.outputSelect.addEventListener("change", () => {
    state.output = els.outputSelect.value || null;
    runNow();
  });

  for (const example of EXAMPLES) els.examples.appendChild(h("option", { value: example.id }, example.title));
  els.examples.addEventListener("change", () => {
    loadExample(els.examples.value);
    els.examples.value = "";
  });

  for (const btn of $$("button[data-mode]")) btn.addEventListener("click", () => setMode(btn.dataset.mode));
  $("#offer-python").addEventListener("click", () => setMode("python"));

  new Menu($("#export-btn"), $("#export-menu"), async (item) => {
    const kind = item.dataset.export;
    try {
      const body = { source: state.source, output: state.output, rankdir: state.rankdir };
      await exportAs(kind, sources[state.mode], body);
      toast(`Downloaded the ${item.firstChild.textContent.trim()}`);
    } catch (err) {
      toast(`Export failed: ${err.message}`);
    }
  });

  $("#help-btn").addEventListener("click", () => els.help.showModal());
  $("#help-close").addEventListener("click", () => els.help.close());

  bindKeyboard();
  window.addEventListener("hashchange", () => {
    const linked = readState();
    if (linked.source !== null && linked.source !== editor.getValue()) {
      applyLinkState(linked);
      runNow();
    }
  });
}

function bindKeyboard() {
  const menu = $("#export-menu");
  bindKeys({
    run: () => runNow(),
    escape: [
      () => {
        if (menu.hidden) return false;
        menu.hidden = true;
        $("#export-btn").setAttribute("aria-expanded", "false");
        $("#export-btn").focus();
        return true;
      },
      () => share.close(),
      () => els.help.open, // the dialog closes itself
      () => stepper.playing && (stepper.pause(), true),
      () => panel.isOpen && (closePanel(), true),
      (e) => stepper.active && !isTyping(e.target) && (stepper.stop(), true),
      (e) => state.presenting && !isTyping(e.target) && (setPresenting(false), true),
    ],
    letters: {
      n: () => stepper.step(),
      p: () => stepper.toggle(),
      r: () => stepper.reset(),
      f: () => view.fit(),
      "+": () => view.zoomBy(1.25),
      "=": () => view.zoomBy(1.25),
      "-": () => view.zoomBy(0.8),
      d: () => setRankdir(state.rankdir === "LR" ? "TB" : "LR"),
      c: () => toggleColour(),
      e: () => {
        setEditorVisible(true);
        editor.focus();
      },
      h: () => setEditorVisible(els.grid.classList.contains("editor-collapsed")),
      m: () => setPresenting(!state.presenting),
      "?": () => els.help.showModal(),
    },
    blocked: () => els.help.open,
  });
}

function applyLinkState(linked) {
  if (linked.mode) setMode(linked.mode, { run: false });
  newProgram(linked.rankdir);
  state.output = linked.output;
  state.expand = null;
  editor.setValue(linked.source);
}

// ---------------------------------------------------------------------------------------- start

const share = new SharePopover(
  { button: els.shareBtn, pop: els.sharePop, input: els.shareUrl, note: els.shareNote, copy: $("#share-copy") },
  () => shareUrl(linkState()),
);

function start() {
  setMode(rememberedMode(), { run: false });
  bindControls();
  const linked = readState();
  if (linked.source !== null) {
    applyLinkState(linked);
  } else {
    newProgram();
    editor.setValue(EXAMPLES.find((e) => e.id === START_EXAMPLE).source);
  }
  if (linked.present) setPresenting(true);
  stepper.idle();
  document.body.dataset.ready = "true";
  if (linked.error) {
    showError(new Error(linked.error));
    return;
  }
  runNow();
}

start();
