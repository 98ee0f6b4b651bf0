// The playground page: wires the editor, the graph, the side panel, the stepper and the URL together.
//
// One run = the numbers (from the server in lab mode, from Python in the browser in Python mode:
// sources.js), then, only when the graph's shape changed, the drawing (the server's SVG). When only
// numbers changed (a leaf was nudged), they are written into the drawing in place, so the layout,
// pan and zoom stay where they are.

import { $, $$ } from "../common/dom.js";
import { ApiError, errorMessage } from "../common/errors.js";
import { fmt } from "../common/format.js";
import { PRESENT_TEXT_PX, READABLE_TEXT_PX } from "./camera.js";
import { clusterOf, sameClusters, withClosed, withOpened } from "./clusters.js";
import { bindControls } from "./controls.js";
import { Editor } from "./editor.js";
import { ErrorBar } from "./error-bar.js";
import { EXAMPLES } from "./examples.js";
import { exportAs, SharePopover, toast } from "./export.js";
import { drawingKey, GraphView } from "./graph-view.js";
import { LeafEdits } from "./leaf-edit.js";
import { MODES, rememberedMode, rememberMode } from "./mode.js";
import { renderNodeTable } from "./node-table.js";
import { emptyState, showOutputs, showPrints, showStatus } from "./outputs.js";
import { Panel } from "./panel.js";
import { Selection } from "./selection.js";
import { createSources } from "./sources.js";
import { Stepper, stepperControls } from "./stepper.js";
import { readState, shareUrl, writeState } from "./url.js";

const AUTO_RUN_MS = 650; // after the last keystroke
const BUSY_AFTER_MS = 250; // show "Running…" only when a run is slow enough to notice
const START_EXAMPLE = "neuron"; // small enough to read at a glance on a projector
// A new program's drawing whose fitted text would be too small to read is drawn the other way too
// (LR vs TB), and the one that shows larger kept; big graphs skip the second drawing (its time).
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
  gradientCheckNote: null,
  running: false,
  rerun: false,
  autoTimer: null,
  source: "", // the program of state.graph
  mode: "lab", // "lab" | "python" (mode.js)
  presenting: false,
  tableView: false, // the values as a table instead of the drawing (T)
  expand: null, // clusters drawn open (clusters.js); null: the server collapses what it must
};

const els = {
  grid: $("#pg-grid"),
  canvas: $("#graph-canvas"),
  host: $("#graph-host"),
  message: $("#graph-message"),
  busy: $("#graph-busy"),
  stale: $("#graph-stale"),
  legend: $("#graph-legend"),
  outputSelect: $("#output-select"),
  panel: $("#node-panel"),
  pythonStatus: $("#python-status"),
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
const errorBar = new ErrorBar($("#error-bar"), editor);
const leafEdits = new LeafEdits(editor);

const view = new GraphView(els.canvas, {
  onSelect: (id, kind) => select(id, kind),
  onOpenCluster: (id) => setExpand(withOpened(state.graph, state.expand, id), id),
  onCloseCluster: (id) => setExpand(withClosed(state.graph, state.expand, id), id),
  tooltip: $("#graph-tooltip"),
  message: els.message,
  overview: $("#graph-overview"),
});

const panel = new Panel(els.panel, $("#node-panel-body"), {
  onSelect: (id, kind) => select(id, kind, { reveal: true }),
  onPeek: (id) => view.hover(id),
  onLeafValue: (id, value) => setLeaf(id, value),
  onLeafReset: (id) => selection.baseline && setLeaf(id, selection.baseline.x0),
});
const selection = new Selection({ view, panel, grid: els.grid, canvas: els.canvas, panelEl: els.panel, leafEdits });

const { python, sources } = createSources(els.grid, els.pythonStatus, els.busy);

const stepper = new Stepper({ ...stepperControls(() => stepper), onChange: (step) => view.setStep(step) });

const share = new SharePopover(
  { button: $("#share-btn"), pop: $("#share-pop"), input: $("#share-url"), note: $("#share-note"), copy: $("#share-copy") },
  () => shareUrl(linkState()),
);

// ---------------------------------------------------------------------------------------- running

function scheduleRun() {
  clearTimeout(state.autoTimer);
  state.autoTimer = setTimeout(() => run(), AUTO_RUN_MS);
}

function runNow() {
  clearTimeout(state.autoTimer);
  return run();
}

/** Run the editor's program. One run at a time; edits made meanwhile run right after. */
async function run() {
  if (state.running) {
    state.rerun = true;
    return;
  }
  state.running = true;
  const busyTimer = setTimeout(() => (els.busy.hidden = false), BUSY_AFTER_MS);
  const started = performance.now();
  const text = editor.getValue();
  const body = { source: text, output: state.output, rankdir: state.rankdir, expand: null };
  const source = sources[state.mode];
  let outcome = "error";
  try {
    const graph = await loadGraph(source, body);
    // Clusters opened by hand stay open while the program has the same clusters.
    if (state.expand && !sameClusters(state.graph, graph)) state.expand = null;
    body.expand = state.expand;
    await show(source, graph, body);
    errorBar.clear();
    els.stale.hidden = true;
    els.host.classList.remove("is-stale");
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
    if (err instanceof ApiError && err.status === 400 && body.output && !err.line) {
      state.output = body.output = null; // the chosen output variable is gone: the last value
      els.outputSelect.value = "";
      return loadGraph(source, body);
    }
    throw err;
  }
}

/**
 * The drawing for `body`. When the direction is the page's to pick and the drawing would be too small
 * to read fitted, the other direction's drawing too, keeping the one whose fit is larger.
 */
async function drawingFor(source, body, graph) {
  const svg = await source.svg(body);
  if (!state.pickDir || state.dirFixed) return svg;
  const here = view.fitTextPx(svg);
  if (here >= view.camera.textPx || graph.nodes.length > DIRECTION_TRIAL_MAX_NODES) return svg;
  const other = body.rankdir === "TB" ? "LR" : "TB";
  let otherSvg;
  try {
    otherSvg = await source.svg({ ...body, rankdir: other });
  } catch {
    return svg; // the first direction drew: show that
  }
  if (view.fitTextPx(otherSvg) <= here) return svg;
  body.rankdir = state.rankdir = other;
  pressDirection();
  return otherSvg;
}

async function show(source, graph, body) {
  let key = drawingKey(source.mode, graph, body);
  const sameShape = key === state.drawnKey;
  if (graph.output === null) {
    const printed = (graph.prints || []).length > 0;
    showMessage("none", "Nothing to draw", `The program made no Value to draw${printed ? "; what it printed is under the program" : ""}.`);
  } else if (state.tableView) {
    showTable(graph, null);
  } else if (sameShape && state.drawn === "svg") {
    view.updateNumbers(graph);
  } else if (graph.svg_available) {
    try {
      const svg = await drawingFor(source, body, graph);
      key = drawingKey(source.mode, graph, body);
      els.message.hidden = true;
      els.canvas.hidden = false;
      els.host.classList.remove("is-table");
      els.grid.classList.remove("no-drawing");
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
  const fromLeafEdit = body.source === leafEdits.source && sameShape;
  if (!fromLeafEdit) leafEdits.forget();
  selection.afterRun(panelContext(), { sameShape, newNumbersOnly: fromLeafEdit || previousSource === body.source });
  showOutputs(els.outputSelect, graph, state.output);
  showPrints($("#prints"), $("#prints-text"), graph.prints);
  showStatus($("#status"), graph);
}

/** A message instead of a drawing ("none": nothing drawn; "table": the table below it). */
function showMessage(drawn, title, text) {
  view.clear();
  state.drawn = drawn;
  els.canvas.hidden = true;
  els.message.hidden = false;
  els.grid.classList.add("no-drawing"); // nothing to step through, zoom or colour
  emptyState(els.message, title, text);
}

/** The values as a table: the chosen view (`reason` null), or why there is no drawing. */
function showTable(graph, reason) {
  showMessage("table", "", "");
  els.host.classList.add("is-table");
  renderNodeTable(els.message, graph, {
    title: reason === null ? "Every value, as a table" : "This graph is too large to draw",
    reason: reason === null ? null : reason || "The server does not draw graphs this large.",
    onSelect: (id, kind) => select(id, kind),
    onDrawing: () => setTableView(false),
  });
}

/** Switch between the drawing and the table of the same graph (the numbers are not run again). */
function setTableView(on) {
  state.tableView = on;
  $("#table-btn").setAttribute("aria-pressed", String(on));
  if (!state.graph || state.running) return; // the run under way shows the chosen view
  state.drawnKey = null; // drawn (or tabulated) again, without running the program
  show(sources[state.mode], state.graph, ranBody()).catch((err) => toast(errorMessage(err)));
}

/** The request that drew the graph on screen (for drawing it again, or exporting it). */
const ranBody = (expand = state.expand) => ({ source: state.source, output: state.output, rankdir: state.rankdir, expand });

/**
 * Draw the same graph with other clusters open (`expand`), keeping the numbers; the view goes to
 * cluster `focus`. Over the render limit the server says so and the drawing stays as it is.
 */
async function setExpand(expand, focus) {
  const started = performance.now();
  const source = sources[state.mode];
  const body = ranBody(expand);
  let svg;
  try {
    svg = await source.svg(body);
  } catch (err) {
    const over = err instanceof ApiError && err.status === 413;
    toast(over ? `${err.message}. Collapse another cluster first.` : errorMessage(err));
    return;
  }
  state.expand = expand;
  if (selection.selected) closePanel(false);
  view.showSvg(svg, state.graph);
  state.drawnKey = drawingKey(source.mode, state.graph, body);
  stepper.setGraph(state.graph);
  const cluster = clusterOf(state.graph, focus);
  if (cluster?.output) view.reveal(cluster.output);
  writeState(linkState());
  document.body.dataset.lastExpandMs = String(Math.round(performance.now() - started));
  document.body.dataset.expands = String(Number(document.body.dataset.expands || 0) + 1);
}

function showError(err) {
  if (selection.isOpen) closePanel(false); // it describes the graph that is now stale
  setEditorVisible(true); // the error is marked there
  errorBar.show(err, state.mode);
  if (err && err.prints) showPrints($("#prints"), $("#prints-text"), err.prints); // what Python printed first
  const hasGraph = state.graph !== null;
  els.stale.hidden = !hasGraph;
  els.host.classList.toggle("is-stale", hasGraph);
  if (!hasGraph) showMessage("none", "No graph yet", "Fix the program on the left and it runs again by itself (or press Ctrl+Enter).");
}

function updateLegend() {
  const on = view.colourByGrad && state.graph !== null;
  els.legend.hidden = !on;
  if (on) $("#legend-max").textContent = fmt(view.maxAbsGrad());
}

// ---------------------------------------------------------------------------------------- modes and links

/** Switch the language that runs the program; remembered, and in the link. */
function setMode(mode, { run: runAfter = true } = {}) {
  if (!MODES.includes(mode)) return;
  const changed = mode !== state.mode;
  state.mode = mode;
  rememberMode(mode);
  for (const btn of $$("button[data-mode]")) btn.setAttribute("aria-pressed", String(btn.dataset.mode === mode));
  document.body.dataset.mode = mode;
  els.pythonStatus.hidden = mode !== "python";
  if (mode === "python") python.warm(); // boots in the background while the student reads
  if (changed && runAfter) runNow();
}

/** What a link must carry to reproduce the graph. */
function linkState() {
  const rankdir = state.dirFixed ? state.rankdir : null; // only a chosen direction, not this screen's pick
  return { source: editor.getValue(), output: state.output, rankdir, mode: state.mode, present: state.presenting };
}

function applyLinkState(linked) {
  if (linked.mode) setMode(linked.mode, { run: false });
  newProgram(linked.rankdir);
  state.output = linked.output;
  editor.setValue(linked.source);
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
  state.expand = null;
  pressDirection();
}

// ---------------------------------------------------------------------------------------- selection

function select(id, kind = "value", options = {}) {
  selection.open(panelContext(), id, kind, options);
}

function panelContext() {
  return { graph: state.graph, ranSource: state.source, checkNote: state.gradientCheckNote };
}

function closePanel(restoreFocus = true) {
  selection.close(restoreFocus);
}

function setLeaf(id, value) {
  if (leafEdits.write(state.graph.nodes[Number(id.slice(1))], value, state.source)) runNow();
}

// ---------------------------------------------------------------------------------------- controls

function setRankdir(dir) {
  const same = dir === state.rankdir && state.dirFixed;
  state.userDir = state.dirFixed = true;
  if (same) return;
  state.rankdir = dir;
  pressDirection();
  runNow(); // redraws, or (the page had picked this direction) just writes it into the URL
}

function pressDirection() {
  for (const btn of $$("[data-rankdir]")) btn.setAttribute("aria-pressed", String(btn.dataset.rankdir === state.rankdir));
}

function toggleColour() {
  const on = !view.colourByGrad;
  view.setColourByGrad(on);
  $("#colour-btn").setAttribute("aria-pressed", String(on));
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
  $("#present-btn").setAttribute("aria-pressed", String(on));
  view.camera.textPx = on ? PRESENT_TEXT_PX : READABLE_TEXT_PX;
  if (state.graph) writeState(linkState());
  requestAnimationFrame(() => view.camera.autoView(view.index?.values.get(state.graph?.output)?.g));
}

function loadExample(id) {
  const example = EXAMPLES.find((e) => e.id === id);
  if (!example) return;
  state.output = null;
  closePanel(false);
  newProgram();
  editor.setValue(example.source);
  runNow();
}

// ---------------------------------------------------------------------------------------- start

function start() {
  const linked = readState();
  setMode(linked.mode || rememberedMode(), { run: false });
  bindControls({
    view, stepper, panel, share, editor,
    help: $("#help-dialog"),
    runNow,
    setRankdir,
    toggleRankdir: () => setRankdir(state.rankdir === "LR" ? "TB" : "LR"),
    toggleColour,
    toggleTable: () => setTableView(!state.tableView),
    toggleEditor: () => setEditorVisible(els.grid.classList.contains("editor-collapsed")),
    setEditorVisible,
    setPresenting,
    presenting: () => state.presenting,
    loadExample,
    setOutput: (name) => {
      state.output = name;
      runNow();
    },
    setMode,
    exportAs: (kind, label) => exportAs(kind, sources[state.mode], ranBody(), label),
    closePanel,
    followLink: () => {
      const linked = readState();
      if (linked.source !== null && linked.source !== editor.getValue()) {
        applyLinkState(linked);
        runNow();
      }
    },
  });
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
