// The training page: owns a session (or watches one read-only with ?watch=<id>), sends the
// owner's commands to the API and draws every update from the session's event stream, so the
// owner and every viewer see the very same run.

import { $, h, replaceChildren } from "../common/dom.js";
import { ApiError } from "../common/errors.js";
import { count, fmt, percent } from "../common/format.js";
import { api } from "./api.js";
import { BoundaryView } from "./boundary-view.js";
import { Charts } from "./charts.js";
import { applyClassColors } from "./colors.js";
import {
  CHOICES,
  MULTI_CLASS_DATASETS,
  cloneConfig,
  configKey,
  DEFAULTS,
  inputCount,
  LECTURE,
  LECTURE_SETTINGS,
  readUrl,
  requestBody,
  toQuery,
  writeUrl,
} from "./config.js";
import { Controls } from "./controls.js";
import { GraphDialog, infoCard } from "./graph-dialog.js";
import { LectureView } from "./lecture-view.js";
import { NetworkView } from "./network-view.js";
import { Stream } from "./stream.js";

applyClassColors();
const root = $("#train");
const limits = {
  maxLayers: Number(root.dataset.maxHiddenLayers),
  maxWidth: Number(root.dataset.maxLayerWidth),
  maxPoints: Number(root.dataset.maxPoints),
  maxCustom: Number(root.dataset.maxCustomPoints),
  maxSpeed: Number(root.dataset.maxSpeed),
};
const STORAGE_KEY = "backprop-lab-train-session";
const BINARY_LOSSES = new Set(["hinge", "mse", "bce"]);

function classCount(config) {
  if (config.dataset === "custom") return new Set((config.points ?? []).map((p) => p[2])).size;
  return MULTI_CLASS_DATASETS.has(config.dataset) ? config.n_classes : 2;
}
const MIN_CUSTOM_POINTS = 2;

const initial = readUrl();
const clamped = withinLimits(initial.config);
const page = {
  watching: Boolean(initial.watch),
  config: clamped.config,
  speed: Math.min(initial.speed, limits.maxSpeed),
  session: null, // {id, token}; token is null while watching
  dataset: null,
  sizes: null,
  step: -1,
  playing: false,
  viewers: 0,
  stream: null,
  generation: 0, // bumps whenever the page switches sessions, so late answers are ignored
  resyncing: false,
  ended: false, // the run being shown has ended (the page says so over everything)
  pendingNotice: null, // shown once the next run has started
};

/** `config` cut down to the server's size limits, and what was cut (a link may ask for more). */
function withinLimits(config) {
  const c = cloneConfig(config);
  const notes = [];
  if (c.hidden.length > limits.maxLayers) {
    notes.push(`${c.hidden.length} hidden layers (at most ${limits.maxLayers})`);
    c.hidden = c.hidden.slice(0, limits.maxLayers);
  }
  const widest = Math.max(0, ...c.hidden);
  if (widest > limits.maxWidth) {
    notes.push(`${widest} neurons in a layer (at most ${limits.maxWidth})`);
    c.hidden = c.hidden.map((n) => Math.min(n, limits.maxWidth));
  }
  if (c.n_points > limits.maxPoints) {
    notes.push(`${c.n_points} points (at most ${limits.maxPoints})`);
    c.n_points = limits.maxPoints;
  }
  if (c.points && c.points.length > limits.maxCustom) {
    notes.push(`${c.points.length} drawn points (at most ${limits.maxCustom})`);
    c.points = c.points.slice(0, limits.maxCustom);
  }
  return { config: c, notes };
}

// ------------------------------------------------------------------ views

const controls = new Controls(root, { onChange: onSettingChange }, limits);
const network = new NetworkView($("#network"), {
  onResize: (layer, delta) => changeHidden((h) => (h[layer] = Math.max(1, Math.min(limits.maxWidth, h[layer] + delta)))),
  onEdge: showWeight,
  onNeuron: showNeuron,
});
const boundary = new BoundaryView($("#boundary"), {
  onPoint: (point) => openGraph(point),
  onAdd: addCustomPoint,
  onRemove: removeCustomPoint,
  onHover: (hit, e) => (hit ? tooltip(pointInfo(hit), e) : tooltip(null)),
});
// The lecture's 3-feature points have no plane to draw: a table of them takes the plot's place.
const lecture = new LectureView($("#lecture-points"), { onPoint: (point) => openGraph(point) });
const charts = new Charts($("#loss-chart"), $("#acc-chart"), (kind, train, test) => {
  const f = kind === "loss" ? fmt : percent;
  const prefix = kind === "loss" ? "#loss" : "#acc";
  $(`${prefix}-train-now`).textContent = train === null ? "–" : f(train);
  $(`${prefix}-test-now`).textContent = test === null || test === undefined ? "–" : f(test);
});
const graph = new GraphDialog($("#graph-dialog"), {
  graph: (index, split) => api.graph(page.session.id, index, split),
  neuronSvg: (index, split, neuron) => api.neuronSvg(page.session.id, index, split, neuron),
  onClose: () => {
    boundary.select(null);
    lecture.select(null);
  },
  tooltip,
});

new ResizeObserver(fitBoundary).observe($(".output"));
/** The plot is the largest square that fits under the metrics and above the legend. */
function fitBoundary() {
  const panel = $(".output");
  const style = getComputedStyle(panel);
  const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
  const gaps = 2 * parseFloat(style.rowGap || "0");
  const free = panel.clientHeight - padding - gaps - $(".output-head").offsetHeight - $(".output-foot").offsetHeight;
  const width = panel.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  boundary.resize(Math.min(width, free));
}

// ------------------------------------------------------------------ run controls

const speedSelect = $("#speed");
speedSelect.replaceChildren(
  ...CHOICES.speed
    .filter((s) => s <= limits.maxSpeed)
    .map((s) => {
      const o = document.createElement("option");
      o.value = String(s);
      o.textContent = `${s} steps/s`;
      return o;
    }),
);
speedSelect.value = String(page.speed);
if (speedSelect.value === "") speedSelect.value = "10";
speedSelect.addEventListener("change", () => {
  page.speed = Number(speedSelect.value);
  writeUrl(page.config, page.speed);
  if (page.playing && page.session?.token) command(() => api.play(page.session.id, page.session.token, page.speed));
});

$("#play-btn").addEventListener("click", togglePlay);
$("#step-btn").addEventListener("click", (e) => stepBy(e.shiftKey ? 10 : 1));
$("#reset-btn").addEventListener("click", resetRun);
$("#add-layer").addEventListener("click", () =>
  changeHidden((h) => h.length < limits.maxLayers && h.push(h.length ? h[h.length - 1] : 4)),
);
$("#remove-layer").addEventListener("click", () => changeHidden((h) => h.pop()));
$("#reseed").addEventListener("click", () => onSettingChange("seed", Math.floor(Math.random() * 100000)));
$("#clear-points").addEventListener("click", () => onSettingChange("points", []));
for (const seg of document.querySelectorAll("[data-draw-class]")) {
  seg.addEventListener("click", () => setDrawTool(seg.dataset.drawClass));
}

document.addEventListener("keydown", (e) => {
  if (page.watching || e.target.closest("input, select, textarea, dialog") || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === " " && e.target.closest("button, a")) return; // Space presses the focused button itself
  if (e.key === " ") {
    e.preventDefault();
    togglePlay();
  } else if (e.key === "ArrowRight") {
    e.preventDefault();
    stepBy(e.shiftKey ? 10 : 1);
  } else if (e.key === "r" || e.key === "R") {
    resetRun();
  }
});

async function togglePlay() {
  if (!page.session?.token) return;
  const { id, token } = page.session;
  const play = !page.playing;
  setPlaying(play); // at once; the answer (the state after the command) settles it
  const state = await command(() => (play ? api.play(id, token, page.speed) : api.pause(id, token)));
  if (state && page.session?.id === id) setPlaying(state.playing);
}

async function stepBy(n) {
  if (!page.session?.token) return;
  await stepResult(command(() => api.step(page.session.id, page.session.token, n)));
}

async function resetRun() {
  if (!page.session?.token) return;
  setPlaying(false);
  await command(() => api.reset(page.session.id, page.session.token));
}

async function stepResult(promise) {
  const answer = await promise;
  if (answer?.message) notice(answer.message, "info");
}

/** Run an owner command; show its error, if any. The stream brings the result. */
async function command(fn) {
  try {
    return await fn();
  } catch (err) {
    notice(err.message, "error");
    return null;
  }
}

function setPlaying(playing) {
  page.playing = playing;
  const btn = $("#play-btn");
  btn.classList.toggle("playing", playing);
  btn.setAttribute("aria-label", playing ? "Pause" : "Play");
}

// ------------------------------------------------------------------ settings

function onSettingChange(field, value) {
  if (page.watching) return;
  const config = cloneConfig(page.config);
  config[field] = value;
  if (field === "dataset") {
    config.points = value === "custom" ? (page.config.points ?? []) : null;
    if (value === LECTURE && page.config.dataset !== LECTURE) {
      Object.assign(config, cloneConfig({ ...config, ...LECTURE_SETTINGS }));
      page.pendingNotice = "The lecture's settings: MLP(3, [4, 4, 1]) of tanh neurons, squared error, SGD at 0.05.";
    }
    if (value === "custom") setDrawTool("0");
    else setDrawTool("inspect");
  }
  if (field === "batch_size" && value !== null && value < 1) config.batch_size = null;
  // More than two classes need one output per class: switch the loss rather than refuse the run.
  if (classCount(config) > 2 && BINARY_LOSSES.has(config.loss)) {
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

let restartTimer = null;
/** Show a new config at once, start its run shortly after (so quick clicks make one run). */
function applyConfig(config, delay = 150) {
  const previous = page.config;
  page.config = config;
  controls.show(config);
  updateLayerControls();
  writeUrl(config, page.speed);
  if (config.dataset === "custom") previewCustom();
  clearTimeout(restartTimer);
  restartTimer = setTimeout(() => restart(previous), delay);
}

function updateLayerControls() {
  const n = page.config.hidden.length;
  $("#layers-label").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
  $("#add-layer").disabled = page.watching || n >= limits.maxLayers;
  $("#remove-layer").disabled = page.watching || n === 0;
  if (page.watching) return;
  const outputs = page.config.loss === "softmax_ce" ? Math.max(2, classCount(page.config)) : 1;
  network.setSizes([inputCount(page.config), ...page.config.hidden, outputs], {
    editable: !page.watching,
    maxWidth: limits.maxWidth,
  });
}

/** Start a run with the current config; the old run ends and sends its viewers to the new one. */
async function restart(previousConfig) {
  const old = page.session ?? page.retired;
  const config = page.config;
  if (config.dataset === "custom" && (config.points?.length ?? 0) < MIN_CUSTOM_POINTS) {
    // No run until there are points; the old run stays, so its viewers can follow the next one.
    page.retired = old;
    detach();
    status("Draw at least two points", "");
    previewCustom();
    return;
  }
  const wasPlaying = page.playing;
  let created;
  try {
    created = await api.create(requestBody(config));
  } catch (err) {
    if (!old) {
      // Nothing to go back to (the page was opened with these settings): offer the defaults.
      status("Not started", "bad");
      notice(`This run cannot start: ${err.message}`, "error", { label: "Use the default settings", run: useDefaults });
      return;
    }
    notice(err.message, "error");
    if (previousConfig && old) {
      page.config = previousConfig;
      controls.show(previousConfig);
      updateLayerControls();
      writeUrl(previousConfig, page.speed);
    }
    return;
  }
  if (page.config !== config) {
    // The settings changed again meanwhile: that restart wins, this run is not needed.
    api.remove(created.id, created.owner_token).catch(() => {});
    return;
  }
  clearNotice();
  hideEnded();
  if (page.pendingNotice) notice(page.pendingNotice, "info");
  page.pendingNotice = null;
  remember(created, config);
  try {
    await attach({ id: created.id, token: created.owner_token });
  } catch (err) {
    notice(err.message, "error");
    return;
  }
  page.retired = null;
  if (old?.token && !old.ended && old.id !== created.id) api.remove(old.id, old.token, created.id).catch(() => {});
  if (wasPlaying) {
    setPlaying(true);
    await command(() => api.play(created.id, created.owner_token, page.speed));
  }
}

function useDefaults() {
  clearNotice();
  applyConfig(cloneConfig(DEFAULTS), 0);
}

function remember(created, config) {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ id: created.id, token: created.owner_token, key: configKey(config) }));
  } catch {
    // storage may be unavailable (private mode): a reload then starts a new run
  }
}

function remembered(config) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    return saved && saved.key === configKey(config) ? saved : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ following a session

function detach() {
  page.generation++;
  page.stream?.close();
  page.stream = null;
  page.session = null;
  page.step = -1;
  setPlaying(false);
  setRunEnabled(false);
}

/** Load a session's config, data and history, then follow its events. */
async function attach(session) {
  detach();
  const generation = page.generation;
  const detail = await api.detail(session.id);
  if (generation !== page.generation) return;
  page.session = session;
  page.runConfig = detail.config;
  loadDetail(detail);
  setRunEnabled(Boolean(session.token));
  page.stream = new Stream(session.id, {
    onEvent: (kind, data) => generation === page.generation && onEvent(kind, data),
    onStatus: (s) => generation === page.generation && onStreamStatus(s),
  }, Boolean(session.token));
  page.stream.open();
}

/** Whether a dataset has 2 features (a plane to draw the boundary on); the lecture's has 3. */
function isPlanar(dataset) {
  return (dataset.X_train[0]?.length ?? 2) === 2;
}

/** The plot for 2-D data, the table of points for the lecture's. */
function showOutputKind(planar) {
  $("#boundary-wrap").hidden = !planar;
  $("#lecture-points").hidden = planar;
  for (const node of document.querySelectorAll("[data-planar]")) node.hidden = node.dataset.planar !== String(planar);
}

function loadDetail(detail) {
  page.dataset = detail.dataset;
  page.planar = isPlanar(detail.dataset);
  showOutputKind(page.planar);
  lecture.setData(page.planar ? null : detail.dataset);
  boundary.fixedView = page.config.dataset === "custom";
  page.sizes = detail.layer_sizes;
  if (page.watching) {
    page.config = { ...cloneConfig(page.config), ...detail.config };
    controls.show(page.config);
  }
  network.setSizes(detail.layer_sizes, { editable: !page.watching, maxWidth: limits.maxWidth });
  updateLayerControls();
  boundary.clearBoundary(); // the new run's first event brings its boundary
  boundary.setData(detail.dataset);
  charts.reset(detail.history);
  page.step = detail.state.step;
  showState(detail.state);
}

function onEvent(kind, data) {
  const state = data.state;
  if (kind === "end") {
    if (data.reconnect) return;
    if (page.watching && data.next_session) {
      follow(data.next_session);
      return;
    }
    setPlaying(false);
    setRunEnabled(false);
    if (page.session) page.session.ended = true;
    status("Ended", "bad");
    showEnded(data.message);
    return;
  }
  if (kind === "reset") {
    charts.reset(data.metrics);
    page.step = state.step;
    if (graph.isOpen) graph.refresh();
  } else if (data.metrics.length) {
    const first = data.metrics[0].step;
    if (first > page.step + 1 && page.step >= 0) resync(); // this viewer fell behind: refill the charts
    charts.append(data.metrics);
    page.step = Math.max(page.step, data.metrics[data.metrics.length - 1].step);
  } else if (kind === "hello" && state.step !== page.step) {
    resync();
  }
  if (data.boundary) boundary.setBoundary(data.boundary);
  if (data.scores) lecture.setScores(data.scores);
  // The neurons' little maps cover the input plane: with 3 inputs there is none (null: no maps).
  const plane = page.planar === false ? null : (data.boundary ?? boundary.extent);
  if (data.weights) network.setWeights(data.weights, plane, page.config.activation);
  // A step event may have been sent just before a pause: only these kinds change play/pause.
  showState(state, kind !== "step");
  if (data.message) notice(data.message, "info");
}

async function resync() {
  if (page.resyncing || !page.session) return;
  page.resyncing = true;
  const generation = page.generation;
  try {
    const detail = await api.detail(page.session.id);
    if (generation === page.generation) charts.reset(detail.history);
  } catch {
    // the next event tries again
  } finally {
    page.resyncing = false;
  }
}

function showState(state, playState = true) {
  $("#step-count").textContent = count(state.step);
  if (playState) setPlaying(state.playing);
  page.viewers = state.viewers;
  const m = state.metrics;
  $("#train-loss").textContent = m ? fmt(m.train_loss) : "–";
  $("#test-loss").textContent = m && m.test_loss !== null ? fmt(m.test_loss) : "–";
  $("#accuracy").textContent = m ? (m.test_accuracy !== null ? `${percent(m.train_accuracy)} / ${percent(m.test_accuracy)}` : percent(m.train_accuracy)) : "–";
  $("#accuracy").title = m && m.test_accuracy !== null ? "train / test" : "on the training set";
  // A viewer shows the owner's speed; the owner's own choice (and URL) is the page's speed.
  if (page.watching && [...speedSelect.options].some((o) => o.value === String(state.steps_per_second))) {
    speedSelect.value = String(state.steps_per_second);
  }
  const watchers = state.watchers;
  const who = watchers ? ` · ${watchers} watching` : "";
  status(page.watching ? `Watching live · read-only${who}` : `Live · ${state.executor}${who}`, "live");
  $("#status").title = state.fallback_reason ? `Compiled executor not used: ${state.fallback_reason}` : "";
  $("#share-viewers").textContent = `${watchers} ${watchers === 1 ? "person is" : "people are"} watching now.`;
  $("#step-count").dataset.step = String(state.step);
  graph.stepChanged(state.step);
}

function onStreamStatus(s) {
  if (s === "reconnecting") status("Reconnecting…", "");
  else if (s === "closed" && !page.ended) status("Not live", "bad");
}

function status(text, kind) {
  const pill = $("#status");
  pill.textContent = text;
  pill.className = `status-pill ${kind}`;
}

function setRunEnabled(enabled) {
  for (const id of ["#play-btn", "#step-btn", "#reset-btn"]) $(id).disabled = !enabled;
}

async function follow(nextId) {
  notice("The teacher changed the settings; following the new run.", "info");
  const url = new URL(window.location.href);
  url.search = `?watch=${encodeURIComponent(nextId)}`;
  window.history.replaceState(null, "", url);
  try {
    await attach({ id: nextId, token: null });
  } catch (err) {
    notice(err.message, "error");
  }
}

// ------------------------------------------------------------------ custom points

let drawTool = "inspect";
function setDrawTool(tool) {
  drawTool = tool;
  for (const seg of document.querySelectorAll("[data-draw-class]")) seg.setAttribute("aria-pressed", String(seg.dataset.drawClass === tool));
  boundary.drawClass = tool === "inspect" || page.watching ? null : Number(tool);
}

function addCustomPoint(point) {
  const points = page.config.points ?? [];
  if (points.length >= limits.maxCustom) {
    notice(`At most ${limits.maxCustom} points can be drawn.`, "error");
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
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  });
  if (best >= 0) onSettingChange("points", points.filter((_, i) => i !== best));
}

/** Show hand-drawn points at once, before their run exists. */
function previewCustom() {
  const points = page.config.points ?? [];
  showOutputKind(true);
  boundary.fixedView = true;
  boundary.clearBoundary();
  boundary.setData({ X_train: points.map((p) => [p[0], p[1]]), y_train: points.map((p) => p[2]), X_test: [], y_test: [], n_classes: 2 });
  $("#custom-count").textContent = `${points.length} point${points.length === 1 ? "" : "s"} · Shift+click removes`;
}

// ------------------------------------------------------------------ popovers

const pop = $("#popover");
function tooltip(content, event) {
  if (!content) {
    pop.hidden = true;
    return;
  }
  // A modal dialog sits in the top layer: the popover must live inside it to show above it.
  const host = graph.isOpen ? $("#graph-dialog") : document.body;
  if (pop.parentElement !== host) host.appendChild(pop);
  replaceChildren(pop, content);
  pop.hidden = false;
  const { innerWidth, innerHeight } = window;
  const rect = pop.getBoundingClientRect();
  const x = Math.min(event.clientX + 14, innerWidth - rect.width - 8);
  const y = Math.min(event.clientY + 14, innerHeight - rect.height - 8);
  pop.style.left = `${x}px`;
  pop.style.top = `${y}px`;
}

function pointInfo({ split, index }) {
  const d = page.dataset;
  const X = split === "train" ? d.X_train : d.X_test;
  const Y = split === "train" ? d.y_train : d.y_test;
  return h(
    "div",
    {},
    h("b", {}, `${split} #${index}`),
    ` · class ${Y[index]}`,
    h("br"),
    `x = (${fmt(X[index][0])}, ${fmt(X[index][1])})`,
    h("br"),
    h("span", { class: "muted" }, "click: its graph through the network"),
  );
}

let stickyTimer = null;
function stickyTooltip(content, event) {
  tooltip(content, event);
  clearTimeout(stickyTimer);
  stickyTimer = setTimeout(() => {
    tooltip(null);
    network.clearSelection();
  }, 6000);
}

/** A neuron's name in the datapoint graph: h<layer>.<index> (from 0), the output is "score". */
function neuronName(l, n) {
  const sizes = page.sizes;
  if (!sizes || l < sizes.length - 2) return `h${l}.${n}`;
  return sizes[sizes.length - 1] === 1 ? "score" : `score${n}`;
}

async function showWeight(edge, event) {
  if (!page.session) return;
  const from = edge.l === 0 ? `x${edge.i + 1}` : neuronName(edge.l - 1, edge.i);
  const to = neuronName(edge.l, edge.n);
  try {
    const net = await api.network(page.session.id);
    const neuron = net.layers[edge.l][edge.n];
    const w = Number(neuron.weights[edge.i]);
    const g = Number(neuron.weight_grads[edge.i]);
    stickyTooltip(
      infoCard(
        h("b", {}, `weight ${from} → ${to}`),
        [
          ["value", w],
          ["grad", g],
        ],
        `grad of the last step's loss · step ${net.step}`,
      ),
      event,
    );
  } catch (err) {
    notice(err.message, "error");
  }
}

async function showNeuron(l, n, event) {
  if (!page.session) return;
  try {
    const net = await api.network(page.session.id);
    const neuron = net.layers[l][n];
    stickyTooltip(
      infoCard(
        [h("b", {}, neuronName(l, n)), ` · ${neuron.activation} · ${neuron.weights.length} inputs`],
        [
          ["bias", Number(neuron.bias)],
          ["bias grad", Number(neuron.bias_grad)],
        ],
        "click a datapoint to see this neuron's data and grad for it",
      ),
      event,
    );
  } catch (err) {
    notice(err.message, "error");
  }
}

function openGraph(point) {
  if (!page.session) return;
  tooltip(null);
  boundary.select(point);
  lecture.select(point);
  graph.open(point);
}

// ------------------------------------------------------------------ notices and sharing

/** A message over the page; `action` ({label, run}) adds a button that does something about it. */
function notice(text, kind = "info", action = null) {
  const box = $("#notice");
  box.className = `notice ${kind}`;
  replaceChildren(
    box,
    h("span", {}, text),
    action ? h("button", { type: "button", class: "btn btn-small btn-primary", onclick: action.run }, action.label) : null,
    h("button", { type: "button", class: "btn btn-small", onclick: clearNotice }, "Dismiss"),
  );
  box.hidden = false;
}

// ------------------------------------------------------------------ the end of a run

/** The run is over (deleted, evicted, expired, server stopping, or never found): say so plainly. */
function showEnded(message, title = "This run has ended") {
  page.ended = true;
  tooltip(null);
  if (graph.isOpen) $("#graph-dialog").close();
  $("#ended-title").textContent = title;
  $("#ended-text").textContent = message.charAt(0).toUpperCase() + message.slice(1) + (/[.!?]$/.test(message) ? "" : ".");
  $("#ended-restart").hidden = page.watching;
  $("#ended-own").hidden = !page.watching;
  $("#ended-own").href = `/train${toQuery(page.config)}`;
  $("#ended-close").hidden = !page.session; // nothing to look at if the run was never loaded
  $("#ended").hidden = false;
  (page.watching ? $("#ended-own") : $("#ended-restart")).focus();
}

function hideEnded() {
  page.ended = false;
  $("#ended").hidden = true;
}

$("#ended-close").addEventListener("click", () => ($("#ended").hidden = true));
$("#ended-restart").addEventListener("click", () => {
  hideEnded();
  page.retired = null;
  restart(null);
});

function clearNotice() {
  $("#notice").hidden = true;
}

const shareBtn = $("#share-btn");
const sharePop = $("#share-pop");
shareBtn.addEventListener("click", () => {
  if (!sharePop.hidden) {
    closeShare();
    return;
  }
  if (!page.session) {
    notice("Start a run first (draw at least two points).", "error");
    return;
  }
  const url = `${window.location.origin}/train?watch=${encodeURIComponent(page.session.id)}`;
  $("#share-url").value = url;
  const rect = shareBtn.getBoundingClientRect();
  sharePop.hidden = false;
  sharePop.style.top = `${rect.bottom + 8}px`;
  sharePop.style.left = `${Math.max(8, rect.right - sharePop.offsetWidth)}px`;
  shareBtn.setAttribute("aria-expanded", "true");
  $("#share-url").select();
});
$("#copy-share").addEventListener("click", async () => {
  const input = $("#share-url");
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    document.execCommand("copy");
  }
  $("#copy-share").textContent = "Copied";
  setTimeout(() => ($("#copy-share").textContent = "Copy"), 1500);
});
document.addEventListener("click", (e) => {
  if (!sharePop.hidden && !sharePop.contains(e.target) && !shareBtn.contains(e.target)) closeShare();
});
function closeShare() {
  sharePop.hidden = true;
  shareBtn.setAttribute("aria-expanded", "false");
}

// ------------------------------------------------------------------ start

async function start() {
  controls.show(page.config);
  setDrawTool(page.config.dataset === "custom" ? "0" : "inspect");
  updateLayerControls();
  setRunEnabled(false);
  if (page.watching) {
    document.body.classList.add("watching");
    controls.setEnabled(false);
    for (const id of ["#add-layer", "#remove-layer"]) $(id).disabled = true;
    $("#own-link").hidden = false;
    $("#watch-banner").hidden = false;
    for (const p of document.querySelectorAll("[data-empty]")) p.textContent = "Waiting for the owner to press ▶";
    try {
      await attach({ id: initial.watch, token: null });
      $("#own-link").href = `/train${toQuery(page.config)}`;
    } catch (err) {
      status("Not live", "bad");
      if (err instanceof ApiError && err.status === 410) showEnded(err.message);
      else if (err instanceof ApiError && err.status === 404) {
        showEnded("No run has this id: the link may be mistyped, or the server was restarted since it was shared", "Run not found");
      } else notice(err.message, "error");
    }
    return;
  }
  if (clamped.notes.length) {
    writeUrl(page.config, page.speed);
    page.pendingNotice = `This link asked for ${clamped.notes.join(" and ")}; the run uses the largest allowed.`;
  }
  const saved = remembered(page.config);
  if (saved) {
    try {
      await attach({ id: saved.id, token: saved.token });
      return;
    } catch {
      // ended meanwhile: start a new one
    }
  }
  await restart(null);
}

start();

// For tests and the curious: where a datapoint is drawn, in page coordinates.
window.backpropTrain = {
  pointPosition: (split, index) => boundary.pagePosition(split, index),
  /** How many hand-drawn points the run being shown was started with (null: none is). */
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
};
