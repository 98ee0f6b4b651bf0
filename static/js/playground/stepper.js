// Step through a pass one node at a time: the forward pass fills in data in forward_order, the
// backward pass fills in grads in backward_order, each step lighting up the node and its edges.

import { $ } from "../common/dom.js";
import { fmt, short } from "../common/format.js";
import { nodeName } from "./names.js";
import { formula } from "./panel.js";

const BASE_INTERVAL_MS = 900;

export class Stepper {
  /**
   * @param {{onChange(step: object|null): void, onCaption(text: string, progress: number): void,
   *          onPlaying(playing: boolean): void}} hooks
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.graph = null;
    this.pass = "backward";
    this.k = -1; // -1: not stepping (everything shown); 0..n: how many nodes are done
    this.timer = null;
    this.speed = 1;
  }

  get active() {
    return this.k >= 0;
  }

  get length() {
    return this.graph ? this.graph.nodes.length : 0;
  }

  get playing() {
    return this.timer !== null;
  }

  /** A new graph: leave stepping; the drawing shows everything. */
  setGraph(graph) {
    this.graph = graph;
    this.stop(false);
  }

  setPass(pass) {
    if (pass === this.pass) return;
    this.pass = pass;
    const wasActive = this.active;
    this.pause();
    if (wasActive) this.goTo(0);
    else this.idle();
  }

  setSpeed(speed) {
    this.speed = speed;
    if (this.playing) {
      this.pause();
      this.play();
    }
  }

  /** One more node; from "not stepping" the first press shows the first node. At the end it stays there. */
  step() {
    if (!this.graph || this.atEnd) return;
    this.goTo(this.k < 0 ? 1 : this.k + 1);
  }

  /** The last node of the pass is done: Step has nothing more to show (Reset or Play starts over). */
  get atEnd() {
    return this.k >= this.length && this.length > 0;
  }

  reset() {
    if (!this.graph) return;
    this.pause();
    this.goTo(0);
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    if (!this.graph || this.playing) return;
    if (this.k < 0 || this.k >= this.length) this.goTo(0);
    this.timer = setInterval(() => {
      if (this.k >= this.length) this.pause();
      else this.goTo(this.k + 1);
      if (this.k >= this.length) this.pause();
    }, BASE_INTERVAL_MS / this.speed);
    this.hooks.onPlaying(true);
  }

  pause() {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
      this.hooks.onPlaying(false);
    }
  }

  /** Leave stepping: show all numbers again. */
  stop(notify = true) {
    this.pause();
    this.k = -1;
    if (notify) this.hooks.onChange(null);
    this.idle();
  }

  idle() {
    this.k = -1;
    this.hooks.onChange(null);
    const text =
      this.pass === "backward"
        ? "Step or play the backward pass: grads are filled in from the output back to the leaves."
        : "Step or play the forward pass: data is computed from the leaves to the output.";
    this.hooks.onCaption(text, 0);
  }

  goTo(k) {
    const n = this.length;
    this.k = Math.max(0, Math.min(n, k));
    const order = this.pass === "backward" ? this.graph.backward_order : this.graph.forward_order;
    const done = new Set(order.slice(0, this.k));
    const current = this.k > 0 ? order[this.k - 1] : null;
    const step = { pass: this.pass, current, edges: [], inputs: [], dataKnown: null, gradKnown: null };
    if (this.pass === "backward") {
      step.gradKnown = done;
      if (current) {
        // The node just done sends grad × local to each operand: the edges into its op.
        const into = this.graph.edges.filter((e) => e.target === current);
        step.edges = into.map((e) => e.id);
        step.inputs = into.map((e) => e.source);
      }
    } else {
      step.dataKnown = done;
      step.gradKnown = new Set();
      if (current) {
        const into = this.graph.edges.filter((e) => e.target === current);
        step.edges = into.map((e) => e.id);
        step.inputs = into.map((e) => e.source);
      }
    }
    this.hooks.onChange(step);
    this.hooks.onCaption(this.caption(current), n ? this.k / n : 0);
  }

  caption(current) {
    const n = this.length;
    const graph = this.graph;
    const where = `Step ${this.k} of ${n}`;
    if (!current) {
      return this.pass === "backward"
        ? `${where} · every grad is unknown (?). Step to start at the output with grad = 1.`
        : `${where} · no data yet (?). Step to compute the nodes, operands first.`;
    }
    const node = graph.nodes[Number(current.slice(1))];
    const name = nodeName(node);
    const into = graph.edges.filter((e) => e.target === current).sort((a, b) => a.position - b.position);
    const end = this.k === n ? ` · ${this.pass === "backward" ? "backward" : "forward"} pass done.` : "";
    if (this.pass === "forward") {
      if (node.is_leaf) return `${where} · ${name} is a leaf: data = ${fmt(node.data)}${end}`;
      const args = into.map((e) => {
        const text = short(graph.nodes[Number(e.source.slice(1))].data);
        return text.startsWith("-") && (into.length > 1 || node.op === "pow") ? `(${text})` : text;
      });
      return `${where} · ${name} = ${formula(node, args)} = ${fmt(node.data)}${end}`;
    }
    const head = node.is_output
      ? `${where} · ${name} is the output: grad = 1`
      : `${where} · ${name}: grad = ${fmt(node.grad)} (all its uses have sent theirs)`;
    if (into.length === 0) return `${head}; a leaf sends nothing further${end}`;
    const sends = into.map((e) => {
      const operand = graph.nodes[Number(e.source.slice(1))];
      return `${nodeName(operand)} += ${short(node.grad)} × ${short(e.local_grad)} = ${short(e.contribution)}`;
    });
    return `${head}; sends ${sends.join(",  ")}${end}`;
  }
}

/** The hooks that show a stepper on the page: its caption, progress bar and buttons. */
export function stepperControls(stepper) {
  return {
    onChange: () => {},
    onCaption: (text, progress) => {
      $("#step-caption").textContent = text;
      $("#step-progress-bar").style.width = `${Math.round(progress * 100)}%`;
      $("#step-exit").hidden = !stepper().active;
      $("#step-btn").disabled = stepper().atEnd; // the end of the pass: Reset or Play starts over
    },
    onPlaying: (playing) => {
      const btn = $("#play-btn");
      btn.setAttribute("aria-pressed", String(playing));
      btn.querySelector(".play-label").textContent = playing ? "Pause" : "Play";
      btn.setAttribute("aria-label", playing ? "Pause" : "Play");
    },
  };
}
