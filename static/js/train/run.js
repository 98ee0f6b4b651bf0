// The run being shown: starting one (the owner), attaching to one (owner or watcher), following
// its event stream, and following a replaced run to its successor. Every picture on the page is
// drawn from the session's events, so the owner and every watcher see the very same run.

import { $ } from "../common/dom.js";
import { ApiError, errorMessage } from "../common/errors.js";
import { count, fmt, percent } from "../common/format.js";
import { api } from "./api.js";
import { configKey, requestBody, toQuery } from "./config.js";
import { clearNotice, hideEnded, notice, showEnded, status } from "./notices.js";
import { Stream } from "./stream.js";
import { tooltip } from "./tooltip.js";

const STORAGE_KEY = "backprop-lab-train-session";
const MIN_CUSTOM_POINTS = 2;

export class Runner {
  /** @param {object} page  the page's state; @param {object} views  what draws it */
  constructor(page, views) {
    this.page = page;
    this.views = views;
    this.queue = Promise.resolve(); // restarts run one after another: no two runs race
    this.removed = new Set(); // runs this page ended (never DELETE twice)
    this.restartTimer = null;
  }

  // ---------------------------------------------------------------- starting runs (owner)

  /** Start a run for the current config shortly (quick changes make one run), after the queue. */
  schedule(previousConfig, delay = 150) {
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.queue = this.queue.then(() => this.#restart(previousConfig)).catch((err) => notice(errorMessage(err), "error"));
    }, delay);
  }

  async #restart(previousConfig) {
    const { page, views } = this;
    const old = page.session ?? page.retired;
    const config = page.config;
    const kind = page.options.kind(config.dataset);
    const waiting = kind.custom ? missingPoints(config.points ?? [], kind.regression) : null;
    if (waiting) {
      // No run until the drawing is one the server takes (datasets.check_points): sending it anyway
      // would only earn a 422 while the user is still drawing. The old run stays, so its viewers can
      // follow the next one.
      page.retired = old;
      this.detach();
      // Said beside the drawing tools: a long status would wrap the run bar and move the plot
      // under the pointer while the user draws.
      status("Drawing…", "");
      $("#custom-count").textContent = `${config.points?.length ?? 0} points · ${waiting}`;
      return;
    }
    const wasPlaying = page.playing;
    // The new run replaces the old one in its room, which ends it: stop following it first, so
    // nothing this page sends or receives is about an ended run.
    const replacing = Boolean(old?.room && old.token && !old.ended && page.session);
    if (replacing) this.detach();
    let created;
    try {
      created = await this.#create(config, old);
    } catch (err) {
      if (replacing) await this.attach(old).catch(() => {}); // nothing was replaced: back to it
      if (!old) {
        status("Not started", "bad");
        notice(`This run cannot start: ${errorMessage(err)}`, "error", { label: "Use the default settings", run: () => this.useDefaults() });
        return;
      }
      notice(errorMessage(err), "error");
      if (previousConfig && !kind.custom) {
        page.config = previousConfig;
        views.showConfig(previousConfig);
      }
      return;
    }
    // Settings changed again meanwhile: this run is shown anyway, and the next restart (queued after
    // this one) replaces it in the room, so nothing is deleted twice and its viewers follow along.
    clearNotice();
    hideEnded();
    page.ended = false;
    if (page.pendingNotice) notice(page.pendingNotice, "info");
    page.pendingNotice = null;
    this.#remember(created, config);
    await this.attach({ id: created.id, token: created.owner_token, room: created.room ?? null });
    page.retired = null;
    // A run in the old one's room replaced it (its viewers follow); a run outside ends it here.
    if (old?.token && !old.ended && old.id !== created.id && created.room !== old.room) this.#remove(old.id, old.token, created.id);
    if (wasPlaying) {
      this.setPlaying(true);
      await this.command(() => api.play(created.id, created.owner_token, page.speed));
    }
  }

  /** The new run: in the old run's room when there is one (the lecture's link follows it). */
  async #create(config, old) {
    const body = requestBody(this.page.options, config);
    if (old?.room && old.token && !old.ended) {
      try {
        return await api.create(body, old.room, old.token);
      } catch (err) {
        if (!(err instanceof ApiError) || ![404, 410].includes(err.status)) throw err; // the room is gone: a new one
      }
    }
    return api.create(body);
  }

  #remove(id, token, next = null) {
    if (this.removed.has(id)) return;
    this.removed.add(id);
    api.remove(id, token, next).catch(() => {});
  }

  useDefaults() {
    clearNotice();
    this.views.applyConfig(this.page.options.defaults(), 0);
  }

  #remember(created, config) {
    try {
      const key = configKey(this.page.options, config);
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ id: created.id, token: created.owner_token, key }));
    } catch {
      // storage may be unavailable (private mode): a reload then starts a new run
    }
  }

  remembered(config) {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
      return saved && saved.key === configKey(this.page.options, config) ? saved : null;
    } catch {
      return null;
    }
  }

  // ---------------------------------------------------------------- following a session

  detach() {
    const page = this.page;
    page.generation++;
    page.stream?.close();
    page.stream = null;
    page.session = null;
    page.step = -1;
    this.setPlaying(false);
    this.views.setRunEnabled(false);
  }

  /** Load a session's config, data and history, then follow its events. */
  async attach(session) {
    this.detach();
    const page = this.page;
    const generation = page.generation;
    const detail = await api.detail(session.id);
    if (generation !== page.generation) return;
    page.session = { ...session, room: session.room ?? detail.state.room ?? null };
    page.runConfig = detail.config;
    this.views.loadDetail(detail);
    this.showState(detail.state);
    this.views.setRunEnabled(Boolean(session.token));
    page.stream = new Stream(
      session.id,
      {
        onEvent: (kind, data) => generation === page.generation && this.onEvent(kind, data),
        onStatus: (s) => generation === page.generation && this.#onStreamStatus(s),
      },
      Boolean(session.token),
    );
    page.stream.open();
  }

  /** The run a room's code leads to now (a code typed or scanned), written into the address. */
  async openRoom(code) {
    const room = await api.room(code);
    const url = new URL(window.location.href);
    url.searchParams.set("watch", room.session);
    url.searchParams.set("room", room.code);
    window.history.replaceState(null, "", url);
    return room.session;
  }

  /** A watcher's run was replaced: go on with its successor, and say so in the address. */
  async follow(nextId) {
    notice("The owner changed the settings: now showing the new run.", "info");
    const url = new URL(window.location.href);
    url.searchParams.set("watch", nextId);
    window.history.replaceState(null, "", url);
    try {
      await this.attach({ id: nextId, token: null });
    } catch (err) {
      await this.failedToWatch(err);
    }
  }

  /** Watching failed: follow a replaced run's successor (410 with next_session), else say why
   * (`code`: the room's code, when that is all the link had). */
  async failedToWatch(err, code = null) {
    const next = err instanceof ApiError ? err.detail?.next_session : null;
    if (err instanceof ApiError && err.status === 410 && next) {
      await this.follow(next);
      return;
    }
    status("Not live", "bad");
    if (err instanceof ApiError && err.status === 410) this.ended(err.message);
    else if (err instanceof ApiError && err.status === 404 && code) {
      this.ended(`No class has the code ${code}: check it against the one on the projector (or the server was restarted since)`, "Code not found");
    } else if (err instanceof ApiError && err.status === 404) {
      this.ended("No run has this id: the link may be mistyped, or the server was restarted since it was shared", "Run not found");
    } else notice(errorMessage(err), "error");
  }

  ended(message, title) {
    const page = this.page;
    page.ended = true;
    tooltip(null);
    this.views.closeDialogs();
    showEnded(message, {
      title,
      watching: page.watching,
      ownHref: `/train${toQuery(page.options, page.config)}`,
      canLook: Boolean(page.session),
    });
  }

  onEvent(kind, data) {
    const { page, views } = this;
    const state = data.state;
    if (kind === "end") {
      if (data.reconnect) return;
      if (data.next_session && !page.watching) return; // this page made the successor: it attaches it
      if (page.watching && data.next_session) {
        this.follow(data.next_session);
        return;
      }
      this.setPlaying(false);
      views.setRunEnabled(false);
      if (page.session) page.session.ended = true;
      status("Ended", "bad");
      this.ended(data.message);
      return;
    }
    if (kind === "reset") {
      views.charts.reset(data.metrics);
      page.step = state.step;
    } else if (data.metrics.length) {
      const first = data.metrics[0].step;
      if (first > page.step + 1 && page.step >= 0) this.resync(); // this viewer fell behind: refill the charts
      views.charts.append(data.metrics);
      page.step = Math.max(page.step, data.metrics[data.metrics.length - 1].step);
    } else if (kind === "hello" && state.step !== page.step) {
      this.resync();
    }
    views.livePicture(data);
    // A step event may have been sent just before a pause: only these kinds change play/pause.
    this.showState(state, kind !== "step");
    if (data.message) notice(data.message, "info");
  }

  async resync() {
    const page = this.page;
    if (page.resyncing || !page.session) return;
    page.resyncing = true;
    const generation = page.generation;
    try {
      const detail = await api.detail(page.session.id);
      if (generation === page.generation) this.views.charts.reset(detail.history);
    } catch {
      // the next event tries again
    } finally {
      page.resyncing = false;
    }
  }

  showState(state, playState = true) {
    const { page, views } = this;
    page.liveStep = state.step;
    $("#step-count").textContent = count(state.step);
    $("#step-count").dataset.step = String(state.step);
    if (playState) this.setPlaying(state.playing);
    page.viewers = state.viewers;
    if (page.scrub === null) showMetrics(state.metrics);
    // A viewer shows the owner's speed; the owner's own choice (and URL) is the page's speed.
    if (page.watching) views.showSpeed(state.steps_per_second);
    const who = state.watchers ? ` · ${state.watchers} watching` : "";
    status(`Live${who}`, "live"); // a watcher's banner says "Watching live · read-only" already
    $("#executor-note").textContent = state.fallback_reason
      ? `Computing eagerly: ${state.fallback_reason}`
      : `Computing with the ${state.executor} executor.`;
    const watching = `${state.watchers} ${state.watchers === 1 ? "person is" : "people are"} watching now.`;
    $("#share-viewers").textContent = watching;
    $("#projector-viewers").textContent = watching;
    if (state.stop_rules) views.showStopRules(state.stop_rules);
    views.stepChanged(state.step);
  }

  #onStreamStatus(s) {
    if (s === "reconnecting") status("Reconnecting…", "");
    else if (s === "closed" && !this.page.ended) status("Not live", "bad");
  }

  // ---------------------------------------------------------------- owner commands

  async togglePlay() {
    const page = this.page;
    if (!page.session?.token) return;
    const { id, token } = page.session;
    const play = !page.playing;
    this.setPlaying(play); // at once; the answer (the state after the command) settles it
    const state = await this.command(() => (play ? api.play(id, token, page.speed) : api.pause(id, token)));
    if (state && page.session?.id === id) this.setPlaying(state.playing);
  }

  async stepBy(n) {
    const page = this.page;
    if (!page.session?.token) return;
    const answer = await this.command(() => api.step(page.session.id, page.session.token, n));
    if (answer?.message) notice(answer.message, "info");
  }

  async resetRun() {
    const page = this.page;
    if (!page.session?.token) return;
    this.setPlaying(false);
    await this.command(() => api.reset(page.session.id, page.session.token));
  }

  /** Run an owner command; show its error, if any. The stream brings the result. */
  async command(fn) {
    try {
      return await fn();
    } catch (err) {
      notice(errorMessage(err), "error");
      return null;
    }
  }

  setPlaying(playing) {
    this.page.playing = playing;
    const btn = $("#play-btn");
    btn.classList.toggle("playing", playing);
    btn.setAttribute("aria-label", playing ? "Pause" : "Play");
  }
}

/**
 * What drawn points still lack before the server takes them (engine/datasets.py check_points: at
 * least two points; classes 0, 1, ... without gaps), in words; null when they can be sent.
 */
function missingPoints(points, regression) {
  if (points.length < MIN_CUSTOM_POINTS) return "Draw at least two points";
  if (regression) return null;
  const labels = new Set(points.map((p) => p[2]));
  if (labels.size < 2) return "Draw points of two classes";
  for (let k = 0; k < Math.max(...labels); k++) if (!labels.has(k)) return `Draw a point of class ${k} too`;
  return null;
}

/** The metrics of the step shown: losses in the one number format, accuracy as a percentage. */
export function showMetrics(m) {
  $("#train-loss").textContent = m ? fmt(m.train_loss) : "–";
  $("#test-loss").textContent = m && m.test_loss !== null ? fmt(m.test_loss) : "–";
  $("#accuracy").textContent = !m || m.train_accuracy === null ? "–" : percent(m.train_accuracy);
  $("#accuracy").title = "on the training set";
  const test = $("#accuracy-test");
  test.hidden = !m || m.test_accuracy === null;
  test.textContent = m && m.test_accuracy !== null ? `test ${percent(m.test_accuracy)}` : "";
}
