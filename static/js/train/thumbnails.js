// Small pictures for the settings: each dataset's shape (drawn here: they only hint at the shape)
// and each input feature over the plane, on the blue (+) / orange (−) scale of the big plot.

import { classColor, tint } from "./colors.js";
import { featureFn } from "./features.js";

/** Rough value pictures of the regression sets (the real points come from the server). */
const REGRESSION_PICTURES = {
  plane: (x, y) => (x + y) / 10,
  gauss: (x, y) => {
    let best = 0;
    for (const [cx, cy, s] of [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]) {
      const v = s * Math.max(0, 1 - Math.hypot(x - cx, y - cy) / 2);
      if (Math.abs(v) > Math.abs(best)) best = v;
    }
    return best;
  },
  custom_regression: (x, y) => Math.sin(x) * Math.cos(y) * 0.8,
};

/** f(x, y) over [-r, r]² on the two-colour scale (values beyond ±1 saturate). */
export function drawField(canvas, f, r = 1, scale = 1) {
  const n = 24;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(n, n);
  for (let iy = 0; iy < n; iy++) {
    for (let ix = 0; ix < n; ix++) {
      const x = -r + ((ix + 0.5) / n) * 2 * r;
      const y = r - ((iy + 0.5) / n) * 2 * r;
      const v = Math.max(-1, Math.min(1, f(x, y) / scale));
      const [cr, cg, cb] = tint(v >= 0 ? 1 : 0, Math.abs(v), 0.85);
      img.data.set([cr, cg, cb, 255], (iy * n + ix) * 4);
    }
  }
  const tile = document.createElement("canvas");
  tile.width = tile.height = n;
  tile.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tile, 0, 0, canvas.width, canvas.height);
}

/** A feature over [-3, 3]² (its largest value there scaled to the full colour). */
export function drawFeature(canvas, name) {
  const f = featureFn(name);
  let most = 0;
  for (let i = -3; i <= 3; i += 0.5) for (let j = -3; j <= 3; j += 0.5) most = Math.max(most, Math.abs(f(i, j)));
  drawField(canvas, f, 3, most || 1);
}


function rng(seed) {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) % 4294967296;
    return s / 4294967296;
  };
}

function gauss(r) {
  return Math.sqrt(-2 * Math.log(r() + 1e-9)) * Math.cos(2 * Math.PI * r());
}

/** Rough pictures of each dataset's shape (drawn here, not fetched: they only hint at the shape). */
function thumbnailPoints(name) {
  const r = rng(7);
  const pts = [];
  const n = 60;
  for (let i = 0; i < n; i++) {
    const k = i % 2;
    const t = r() * Math.PI;
    if (name === "moons") {
      pts.push(k ? [1 - Math.cos(t) + gauss(r) * 0.08, 0.5 - Math.sin(t) + gauss(r) * 0.08, 1] : [Math.cos(t) + gauss(r) * 0.08, Math.sin(t) + gauss(r) * 0.08, 0]);
    } else if (name === "circles") {
      const a = r() * 2 * Math.PI;
      const rad = k ? 0.45 + gauss(r) * 0.08 : 1 + gauss(r) * 0.06;
      pts.push([rad * Math.cos(a), rad * Math.sin(a), k]);
    } else if (name === "xor") {
      const x = r() * 2 - 1;
      const y = r() * 2 - 1;
      pts.push([x, y, x * y > 0 ? 1 : 0]);
    } else if (name === "spiral") {
      const s = r();
      const a = s * 3.2 + k * Math.PI;
      pts.push([s * Math.cos(a) + gauss(r) * 0.04, s * Math.sin(a) + gauss(r) * 0.04, k]);
    } else if (name === "blobs") {
      const c = i % 3;
      const centers = [[-0.6, -0.4], [0.6, -0.4], [0, 0.6]];
      pts.push([centers[c][0] + gauss(r) * 0.2, centers[c][1] + gauss(r) * 0.2, c]);
    } else if (name === "linear") {
      const x = r() * 2 - 1;
      const y = r() * 2 - 1;
      pts.push([x, y, y > 0.6 * x ? 1 : 0]);
    } else if (name === "custom" && i < 14) {
      pts.push([r() * 1.6 - 0.8, r() * 1.6 - 0.8, r() > 0.5 ? 1 : 0]);
    }
  }
  return pts;
}

/** The lecture's set: its 4 points in a small 3-D box (x3 drawn as depth). */
function drawLectureThumbnail(ctx, s) {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, s, s);
  const o = [s * 0.36, s * 0.5];
  const project = ([x, y, z]) => [o[0] + x * s * 0.15 - z * s * 0.13, o[1] - y * s * 0.1 + z * s * 0.08];
  ctx.strokeStyle = "#aeb6c9";
  ctx.lineWidth = 3;
  ctx.lineCap = "round";
  for (const axis of [[3.4, 0, 0], [0, 3.6, 0], [0, 0, 2]]) {
    const [x, y] = project(axis);
    ctx.beginPath();
    ctx.moveTo(o[0], o[1]);
    ctx.lineTo(x, y);
    ctx.stroke();
  }
  const points = [[2, 3, -1, 1], [3, -1, 0.5, 0], [0.5, 1, 1, 0], [1, 1, -1, 1]];
  for (const [x, y, z, k] of points) {
    const [px, py] = project([x, y, z]);
    ctx.beginPath();
    ctx.arc(px, py, 9, 0, 2 * Math.PI);
    ctx.fillStyle = classColor(k);
    ctx.fill();
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 2;
    ctx.stroke();
  }
}

export function drawThumbnail(canvas, name) {
  const ctx = canvas.getContext("2d");
  if (name === "lecture") {
    drawLectureThumbnail(ctx, canvas.width);
    return;
  }
  if (REGRESSION_PICTURES[name]) {
    drawField(canvas, (x, y) => REGRESSION_PICTURES[name](x, y), 6);
    return;
  }
  const pts = thumbnailPoints(name);
  const s = canvas.width;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, s, s);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = 0.72 * s / Math.max(x1 - x0, y1 - y0, 1e-6);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  for (const [x, y, k] of pts) {
    ctx.beginPath();
    ctx.arc(s / 2 + (x - cx) * scale, s * 0.44 - (y - cy) * scale, 4, 0, 2 * Math.PI);
    ctx.fillStyle = classColor(k);
    ctx.fill();
  }
  if (name === "custom") {
    ctx.strokeStyle = "#5f6b85";
    ctx.lineWidth = 5;
    ctx.lineCap = "round";
    ctx.beginPath();
    ctx.moveTo(s * 0.62, s * 0.62);
    ctx.lineTo(s * 0.82, s * 0.18);
    ctx.stroke();
  }
}
