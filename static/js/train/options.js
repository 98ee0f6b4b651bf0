// What a run can be, from the server (GET /api/train/options, engine/run_spec.py): fields,
// defaults, choices, limits and dataset kinds. The page keeps no copies of any of them.

import { api } from "./api.js";

export class Options {
  constructor(json) {
    this.json = json;
    this.fields = json.fields;
    this.limits = json.limits;
    this.speeds = json.speeds;
    this.datasets = json.datasets;
  }

  static async load() {
    return new Options(await api.options());
  }

  /** A fresh config with every field at its default. */
  defaults() {
    return structuredClone(this.json.defaults);
  }

  /**
   * The config a link starts from for `dataset`: the defaults with the settings that suit it (a
   * regression set's squared error, the lecture's network). Links say only what differs from it,
   * so `/train?dataset=gauss` is a run that can start.
   */
  baseline(dataset) {
    const base = this.defaults();
    if (!this.values("dataset").includes(dataset)) return base;
    return { ...base, dataset, ...structuredClone(this.kind(dataset).presets) };
  }

  choices(field) {
    return this.fields[field].choices ?? [];
  }

  values(field) {
    return this.choices(field).map((c) => c.value);
  }

  label(field, value) {
    return this.choices(field).find((c) => c.value === value)?.label ?? String(value);
  }

  presets(field) {
    return this.fields[field].presets ?? [];
  }

  /** The settings limit of a field (its value), or its max. */
  max(field) {
    const f = this.fields[field];
    return f.limit?.value ?? f.max ?? Infinity;
  }

  itemMax(field) {
    return this.fields[field].item_limit?.value ?? Infinity;
  }

  kind(dataset) {
    return this.datasets[dataset] ?? { regression: false, multiclass: false, custom: false, planar: true, presets: {} };
  }

  /** Classes of a config's dataset: 0 for regression. */
  classCount(config) {
    const kind = this.kind(config.dataset);
    if (kind.regression) return 0;
    if (kind.custom) return new Set((config.points ?? []).map((p) => p[2])).size;
    return kind.multiclass ? config.n_classes : 2;
  }
}
