// The training page: owns a run (or watches one read-only with ?watch=<id>), sends the owner's
// commands to the API and draws every update from the run's event stream (run.js), so the owner and
// every viewer see the very same run. What a run can be comes from the server (options.js).

import { $, $$, h, isTyping } from "../common/dom.js";
import { errorMessage } from "../common/errors.js";
import { fmt, percent } from "../common/format.js";
import { api } from "./api.js";
import { BoundaryView } from "./boundary-view.js";
import { Charts } from "./charts.js";
import { applyClassColors } from "./colors.js";
import { cloneConfig, readUrl, toQuery, writeUrl } from "./config.js";
import { Controls } from "./controls.js";
import { WeightEditor } from "./edit.js";
import { ExportMenu } from "./export.js";
import { GraphDialog } from "./graph-dialog.js";
import { renderLegend } from "./legend.js";
import { LectureView } from "./lecture-view.js";
import { NetworkView, neuronName } from "./network-view.js";
import { notice, status } from "./notices.js";
import { Options } from "./options.js";
import { Runner, showMetrics } from "./run.js";
import { ShareDialog } from "./share.js";
import { StopRulesForm } from "./stop-rules.js";
import { Timeline } from "./timeline.js";
import { tooltip } from "./tooltip.js";
import { setUpUpload } from "./upload.js";

const HOVER_RES = 50; // cells a side of a neuron's output on the big plot

let options;
try {
  options = await Options.load();
  applyClassColors(options.json.palette);
} catch (err) {
  status("Not started", "bad");
  notice(`The server's training options cannot be read: ${errorMessage(err)}`, "error");
  throw err;
}
const initial = readUrl(options);
const page = {
  options,
  watching: Boolean(initial.watch || initial.room), // a room's code alone is a watch link too
  config: initial.config,
  speed: initial.speed,
  session: null, // {id, token, room}; token is null while watching
  runConfig: null, // the config of the run being shown (the server's)
  dataset: null,
  planar: true,
  sizes: null,
  inputNames: ["x1", "x2"],
  step: -1, // the last step drawn on the charts
  liveStep: 0,
  playing: false,
  stream: null,
  generation: 0, // bumps whenever the page switches sessions, so late answers are ignored
  resyncing: false,
  ended: false,
  pendingNotice: initial.notes.length ? `This link asked for ${initial.notes.join(" and ")}; the run uses the largest allowed.` : null,
  retired: null,
  scrub: null, // the past step being viewed (time travel), or null: live
  lastLive: null, // the latest live picture (boundary, weights), to return to from the past
};

// ------------------------------------------------------------------ views

const controls = new Controls($("#train"), options, { onChange: onSettingChange, onDrawClass: setDrawClass });
const network = new NetworkView($("#network"), {
  onResize: (layer, delta) => changeHidden((hidden) => (hidden[layer] = Math.max(1, Math.min(options.itemMax("hidden"), hidden[layer] + delta)))),
  onEdge: (edge, event) => editor.open(edge.l, edge.n, edge.i, event),
  onNeuron: (l, n, event) => editor.open(l, n, null, event),
  onHover: hoverNeuron,
});
const boundary = new BoundaryView($("#boundary"), {
  onPoint: (point) => openGraph(point),
  onAdd: addCustomPoint,
  onRemove: removeCustomPoint,
  onHover: (hit, e) => (hit ? tooltip(pointInfo(hit), e) : tooltip(null)),
});
const lecture = new LectureView($("#lecture-points"), { onPoint: (point) => openGraph(point) });
const charts = new Charts(
  $("#loss-chart"),
  $("#acc-chart"),
  (kind, train, test) => {
    const f = kind === "loss" ? fmt : percent;
    const prefix = kind === "loss" ? "#loss" : "#acc";
    $(`${prefix}-train-now`).textContent = train === null ? "–" : f(train);
    $(`${prefix}-test-now`).textContent = test === null || test === undefined ? "–" : f(test);
  },
  { loss: fmt, accuracy: percent },
);
const graph = new GraphDialog($("#graph-dialog"), {
  graph: (index, split) => api.graph(page.session.id, index, split),
  neuronSvg: (index, split, neuron) => api.neuronSvg(page.session.id, index, split, neuron),
  onClose: () => {
    boundary.select(null);
    lecture.select(null);
  },
  tooltip,
});
const editor = new WeightEditor(page, () => network.clearSelection());
const share = new ShareDialog(page, () => notice("Start a run first (draw at least two points).", "error"));
const stopRules = new StopRulesForm(page);
const timeline = new Timeline(page, { show: showPast, live: showLive });
new ExportMenu(page);
setUpUpload(page, (parsed, name) => {
  page.pendingNotice = `${name}: ${parsed.points.length} points${parsed.n_classes ? ` in ${parsed.n_classes} classes` : " with values"}.`;
  const config = { ...cloneConfig(page.config), dataset: parsed.dataset, points: parsed.points };
  applyConfig(withDatasetPresets(config, parsed.dataset));
});

const runner = new Runner(page, {
  charts,
  loadDetail,
  livePicture,
  showConfig,
  applyConfig: (config, delay) => applyConfig(config, delay),
  setRunEnabled,
  showSpeed: (speed) => [...speedSelect.options].some((o) => o.value === String(speed)) && (speedSelect.value = String(speed)),
  showStopRules: (rules) => stopRules.show(rules),
  closeDialogs: () => graph.isOpen && $("#graph-dialog").close(),
  stepChanged: (step) => {
    graph.stepChanged(step);
    timeline.stepChanged(step);
  },
});

new ResizeObserver(fitBoundary).observe($(".output"));
/** The plot is the largest square that fits in its panel between the metrics and the legend. */
function fitBoundary() {
  const panel = $(".output");
  const style = getComputedStyle(panel);
  const width = panel.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const stacked = getComputedStyle($(".train")).getPropertyValue("--stacked").trim() === "1";
  if (stacked) {
    boundary.resize(Math.min(width, 560));
    return;
  }
  const others = [".output-head", ".view-toggles", "#legend"].reduce((sum, sel) => sum + ($(sel).hidden ? 0 : $(sel).offsetHeight), 0);
  const gaps = 3 * parseFloat(style.rowGap || "0");
  const free = panel.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom) - gaps - others;
  boundary.resize(Math.min(width, free));
}

// ------------------------------------------------------------------ run controls

const speedSelect = $("#speed");
speedSelect.replaceChildren(...options.speeds.map((s) => h("option", { value: String(s) }, `${s} steps/s`)));
speedSelect.value = String(page.speed);
if (speedSelect.value === "") speedSelect.value = String(options.speeds[options.speeds.length - 1]);
speedSelect.addEventListener("change", () => {
  page.speed = Number(speedSelect.value);
  writeUrl(options, page.config, page.speed);
  if (page.playing && page.session?.token) runner.command(() => api.play(page.session.id, page.session.token, page.speed));
});
$("#play-btn").addEventListener("click", () => {
  if (page.scrub !== null) timeline.toLive(); // playing goes on from the latest step
  runner.togglePlay();
});
$("#step-btn").addEventListener("click", (e) => runner.stepBy(e.shiftKey ? 10 : 1));
$("#reset-btn").addEventListener("click", () => runner.resetRun());
$("#add-layer").addEventListener("click", () => changeHidden((hidden) => hidden.length < options.max("hidden") && hidden.push(hidden.length ? hidden[hidden.length - 1] : 4)));
$("#remove-layer").addEventListener("click", () => changeHidden((hidden) => hidden.pop()));
$("#reseed").addEventListener("click", () => onSettingChange("seed", Math.floor(Math.random() * 100000)));
$("#clear-points").addEventListener("click", () => onSettingChange("points", []));
$("#show-test").addEventListener("change", (e) => boundary.setView({ showTest: e.target.checked }));
$("#discretize").addEventListener("change", (e) => boundary.setView({ discretize: e.target.checked }));

document.addEventListener("keydown", (e) => {
  if (page.watching || isTyping(e.target) || e.target.closest("dialog") || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === " " && e.target.closest("button, a")) return; // Space presses the focused button itself
  if (e.key === " ") {
    e.preventDefault();
    $("#play-btn").click();
  } else if (e.key === "ArrowRight") {
    e.preventDefault();
    runner.stepBy(e.shiftKey ? 10 : 1);
  } else if (e.key === "r" || e.key === "R") {
    runner.resetRun();
  }
});

function setRunEnabled(enabled) {
  for (const id of ["#play-btn", "#step-btn", "#reset-btn"]) $(id).disabled = !enabled;
}

// ------------------------------------------------------------------ settings

/** A config switched to `dataset`, with the settings that suit it (the lecture's, regression's). */
function withDatasetPresets(config, dataset) {
  const presets = options.kind(dataset).presets;
  if (Object.keys(presets).length && Object.entries(presets).some(([k, v]) => JSON.stringify(config[k]) !== JSON.stringify(v))) {
    page.pendingNotice = `Settings that suit ${options.label("dataset", dataset)}: ${Object.entries(presets)
      .filter(([k]) => ["loss", "activation", "learning_rate", "hidden"].includes(k))
      .map(([k, v]) => `${k.replace("_", " ")} ${Array.isArray(v) ? v.join("-") : v}`)
      .join(", ")}.`;
  }
  return { ...config, ...structuredClone(presets) };
}

function onSettingChange(field, value) {
  if (page.watching) return;
  let config = cloneConfig(page.config);
  config[field] = value;
  if (field === "dataset") {
    const kind = options.kind(value);
    config.points = kind.custom ? (options.kind(page.config.dataset).custom && page.config.dataset === value ? page.config.points : []) : null;
    if (value !== page.config.dataset) config = withDatasetPresets(config, value);
    setDrawClass(value === "custom" ? 0 : null);
  }
  // More than two classes need one output per class: switch the loss rather than refuse the run.
  if (options.classCount(config) > 2 && ["hinge", "mse", "bce"].includes(config.loss)) {
    config.loss = "softmax_ce";
    page.pendingNotice = "More than two classes: the loss is now softmax cross-entropy (one output per class).";
  }
  applyConfig(config);
}

function changeHidden(mutate) {
  if (page.watching) return;
  const config = cloneConfig(page.config);
  mutate(config.hidden);
  applyConfig(config);
}

/** Show a new config at once, start its run shortly after (so quick clicks make one run). */
function applyConfig(config, delay = 150) {
  const previous = page.config;
  page.config = config;
  showConfig(config);
  if (options.kind(config.dataset).custom) previewCustom();
  runner.schedule(previous, delay);
}

function showConfig(config) {
  controls.show(config);
  if (!page.watching) writeUrl(options, config, page.speed); // a watcher's address is the run's

  const n = config.hidden.length;
  $("#layers-label").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
  $("#add-layer").disabled = page.watching || n >= options.max("hidden");
  $("#remove-layer").disabled = page.watching || n === 0;
  if (page.watching) return;
  const planar = options.kind(config.dataset).planar;
  const inputs = planar ? config.features : ["x1", "x2", "x3"];
  const k = options.classCount(config);
  const outputs = config.loss === "softmax_ce" ? Math.max(2, k) : 1;
  network.setShape([inputs.length, ...config.hidden, outputs], inputs, outputLabels(outputs, k), { editable: true, maxWidth: options.itemMax("hidden") });
}

function outputLabels(outputs, nClasses) {
  if (outputs > 1) return Array.from({ length: outputs }, (_, n) => `class ${n}`);
  return [nClasses === 0 ? "value" : "score"];
}

// ------------------------------------------------------------------ drawing what the run sends

function loadDetail(detail) {
  const kind = options.kind(detail.config.dataset);
  page.dataset = detail.dataset;
  page.planar = kind.planar;
  page.sizes = detail.layer_sizes;
  page.inputNames = kind.planar ? detail.config.features : ["x1", "x2", "x3"];
  page.scrub = null;
  page.lastLive = null;
  if (page.watching) {
    page.config = { ...cloneConfig(page.config), ...detail.config };
    controls.show(page.config);
    $("#own-link").href = `/train${toQuery(options, page.config)}`;
  }
  const nClasses = detail.dataset.n_classes;
  $("#boundary-wrap").hidden = !page.planar;
  $("#lecture-points").hidden = page.planar;
  for (const node of $$("[data-planar]")) node.hidden = node.dataset.planar !== String(page.planar);
  $("#accuracy-metric").hidden = nClasses === 0;
  $("#acc-box").hidden = nClasses === 0;
  $(".charts").classList.toggle("one", nClasses === 0);
  renderLegend($("#legend"), { nClasses, planar: page.planar, hasTest: detail.dataset.X_test.length > 0 });
  lecture.setData(page.planar ? null : detail.dataset);
  boundary.fixedView = detail.config.dataset === "custom";
  const sizes = detail.layer_sizes;
  network.setShape(sizes, page.inputNames, outputLabels(sizes[sizes.length - 1], nClasses), { editable: !page.watching, maxWidth: options.itemMax("hidden") });
  boundary.clearBoundary(); // the run's first event brings its boundary
  boundary.setData(detail.dataset);
  charts.reset(detail.history);
  page.step = detail.state.step;
  showMetrics(detail.state.metrics);
  fitBoundary();
  if (!page.watching) sendStopRulesIfAny(); // a new run keeps the rules the owner set
}

function sendStopRulesIfAny() {
  const rules = stopRules.read();
  if (page.session?.token && Object.values(rules).some((v) => v !== null)) {
    runner.command(() => api.stopRules(page.session.id, page.session.token, rules));
  }
}

/** An event's picture: the boundary (or the lecture's scores) and the weights. */
function livePicture(data) {
  if (data.boundary || data.weights) page.lastLive = { boundary: data.boundary ?? page.lastLive?.boundary, weights: data.weights ?? page.lastLive?.weights };
  if (page.scrub !== null) return; // looking at the past: the live run goes on unseen
  drawPicture(data);
}

function drawPicture({ boundary: b, weights, scores }) {
  if (b) boundary.setBoundary(b);
  if (scores) lecture.setScores(scores);
  // The neurons' little maps cover the input plane: with 3 inputs there is none (null: no maps).
  const plane = page.planar === false ? null : (b ?? boundary.extent);
  if (weights) network.setWeights(weights, plane, page.runConfig?.activation ?? page.config.activation);
}

function showPast(view) {
  drawPicture(view);
  showMetrics(view.metrics);
  charts.mark(view.step);
}

function showLive() {
  charts.mark(null);
  if (page.lastLive) drawPicture(page.lastLive);
  runner.resync();
  api.detail(page.session.id).then((d) => showMetrics(d.state.metrics), () => {});
}

function hoverNeuron(l, n) {
  if (l === null || !page.planar) {
    boundary.setOverlay(null);
    $("#hover-note").hidden = true;
    return;
  }
  const grid = network.neuronGrid(l, n, boundary.extent, HOVER_RES);
  if (!grid) return;
  boundary.setOverlay(grid, HOVER_RES);
  $("#hover-note").textContent = `${neuronName(page.sizes, l, n)}: this neuron's output`;
  $("#hover-note").hidden = false;
}

// ------------------------------------------------------------------ custom points

function setDrawClass(k) {
  boundary.drawClass = k === null || page.watching ? null : k;
  if (k !== null) controls.showDrawClass(k);
}

function addCustomPoint(point) {
  const points = page.config.points ?? [];
  if (points.length >= options.max("points")) {
    notice(`At most ${options.max("points")} points can be drawn (max_custom_points).`, "error");
    return;
  }
  onSettingChange("points", [...points, point.map((v, i) => (i < 2 ? Math.round(v * 100) / 100 : v))]);
}

function removeCustomPoint([x, y], radius) {
  const points = page.config.points ?? [];
  let best = -1;
  let bestD = radius * radius;
  points.forEach(([px, py], i) => {
    const d = (px - x) ** 2 + (py - y) ** 2;
    if (d <= bestD) [bestD, best] = [d, i];
  });
  if (best >= 0) onSettingChange("points", points.filter((_, i) => i !== best));
}

/** Show custom points at once, before their run exists. */
function previewCustom() {
  const points = page.config.points ?? [];
  const values = page.config.dataset === "custom_regression";
  boundary.fixedView = true;
  boundary.clearBoundary();
  boundary.setData({ X_train: points.map((p) => [p[0], p[1]]), y_train: points.map((p) => p[2]), X_test: [], y_test: [], n_classes: values ? 0 : 2 });
  $("#custom-count").textContent = `${points.length} point${points.length === 1 ? "" : "s"} · Shift+click removes`;
}

// ------------------------------------------------------------------ points and their graphs

function pointInfo({ split, index }) {
  const d = page.dataset;
  const X = split === "train" ? d.X_train : d.X_test;
  const Y = split === "train" ? d.y_train : d.y_test;
  const what = d.n_classes === 0 ? `value ${fmt(Y[index])}` : `class ${Y[index]}`;
  return h("div", {}, h("b", {}, `${split} #${index}`), ` · ${what}`, h("br"), `x = (${fmt(X[index][0])}, ${fmt(X[index][1])})`, h("br"), h("span", { class: "muted" }, "click: its graph through the network"));
}

function openGraph(point) {
  if (!page.session) return;
  tooltip(null);
  boundary.select(point);
  lecture.select(point);
  graph.open(point);
}

// ------------------------------------------------------------------ start

$("#ended-close").addEventListener("click", () => ($("#ended").hidden = true));
$("#ended-restart").addEventListener("click", () => {
  $("#ended").hidden = true;
  page.retired = null;
  runner.schedule(null, 0);
});

async function start() {
  showConfig(page.config);
  setDrawClass(page.config.dataset === "custom" ? 0 : null);
  setRunEnabled(false);
  if (page.watching) {
    document.body.classList.add("watching");
    controls.setEnabled(false);
    for (const id of ["#add-layer", "#remove-layer"]) $(id).disabled = true;
    $("#own-link").hidden = false;
    $("#network-hint").textContent = "Hover a neuron: its output on the plot · click a weight to see it";
    $("#watch-banner").hidden = false;
    for (const p of $$("[data-empty]")) p.textContent = "Waiting for the owner to press ▶";
    try {
      const id = initial.watch ?? (await runner.openRoom(initial.room));
      await runner.attach({ id, token: null, room: initial.room });
    } catch (err) {
      await runner.failedToWatch(err, initial.watch ? null : initial.room);
    }
    return;
  }
  if (options.kind(page.config.dataset).custom) previewCustom();
  const saved = runner.remembered(page.config);
  if (saved) {
    try {
      await runner.attach({ id: saved.id, token: saved.token });
      return;
    } catch {
      // ended meanwhile: start a new one
    }
  }
  runner.schedule(null, 0);
}

start();

// For tests and the curious: where a datapoint is drawn, in page coordinates.
window.backpropTrain = {
  pointPosition: (split, index) => boundary.pagePosition(split, index),
  /** How many custom points the run being shown was started with (null: none is). */
  get points() {
    return page.session && page.runConfig?.points ? page.runConfig.points.length : null;
  },
  /** Inputs, hidden widths, outputs of the run being shown (null: none is). */
  get layerSizes() {
    return page.session ? page.sizes : null;
  },
  /** Lecture table: how many of its points the model has right (null: no scores shown). */
  get lectureRight() {
    return page.session && page.planar === false ? lecture.right : null;
  },
  /** The past step being viewed (time travel), or null. */
  get scrub() {
    return page.scrub;
  },
  get sessionId() {
    return page.session?.id ?? null;
  },
};
