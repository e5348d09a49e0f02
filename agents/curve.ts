// The learning curve as a PNG: a scene of axes, lines and text drawn by our rasterizer (envs/render),
// encoded with pngjs.
import { PNG } from 'pngjs';
import { writeFileAtomic } from '../envs/atomicWrite.js';
import { rasterize } from '../envs/render/rasterize.js';
import type { Frame, Scene, Shape } from '../envs/render/scene.js';

export interface CurveData {
  title: string;
  /** Training episodes: env step at the episode's end and its return. */
  episodes: Array<{ step: number; return: number }>;
  /** Evaluations: env step and mean ± std return. */
  evals: Array<{ step: number; meanReturn: number; stdReturn: number }>;
  /** Last env step of the run (the x-axis end). */
  totalSteps?: number;
}

const W = 720;
const H = 420;
const LEFT = 78;
const RIGHT = 34;
const TOP = 44;
const BOTTOM = 52;
const COLORS = { axis: 0x333333, grid: 0xe4e4e4, episode: 0xb8c4d6, smooth: 0x1f5fbf, eval: 0xe0701a, text: 0x222222 };

/** A number as the 5×7 font can print it (digits, '-', '.', 'K', 'M', 'E'). */
export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e4) return `${trim(v / 1e3)}K`;
  if (a === 0) return '0';
  if (a < 0.01) return v.toExponential(1).toUpperCase().replace('+', '');
  return trim(v);
}

function trim(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** Round tick positions covering [lo, hi]. */
function ticks(lo: number, hi: number, target = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= target + 1) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** The curve as a vector scene. */
export function curveScene(data: CurveData): Scene {
  const shapes: Shape[] = [];
  const xs = [...data.episodes.map((e) => e.step), ...data.evals.map((e) => e.step), data.totalSteps ?? 0];
  const ys = [...data.episodes.map((e) => e.return), ...data.evals.map((e) => e.meanReturn)];
  const xMax = Math.max(1, ...xs);
  let yMin = ys.length ? Math.min(...ys) : 0;
  let yMax = ys.length ? Math.max(...ys) : 1;
  if (yMax - yMin < 1e-9) {
    yMin -= 1;
    yMax += 1;
  }
  const pad = (yMax - yMin) * 0.05;
  yMin -= pad;
  yMax += pad;
  const px = (x: number) => LEFT + (x / xMax) * (W - LEFT - RIGHT);
  const py = (y: number) => H - BOTTOM - ((y - yMin) / (yMax - yMin)) * (H - TOP - BOTTOM);
  const text = (x: number, y: number, s: string, size = 10, color = COLORS.text) => shapes.push({ type: 'text', x, y, text: s, size, color });
  const line = (x1: number, y1: number, x2: number, y2: number, width: number, color: number) => shapes.push({ type: 'line', x1, y1, x2, y2, width, color });

  // Grid and ticks.
  for (const t of ticks(yMin, yMax)) {
    line(LEFT, py(t), W - RIGHT, py(t), 1, COLORS.grid);
    const label = formatNumber(t);
    text(LEFT - 8 - label.length * 6 * (10 / 7), py(t) - 5, label);
  }
  for (const t of ticks(0, xMax)) {
    line(px(t), TOP, px(t), H - BOTTOM, 1, COLORS.grid);
    const label = formatNumber(t);
    text(px(t) - (label.length * 6 * (10 / 7)) / 2, H - BOTTOM + 8, label);
  }
  line(LEFT, TOP, LEFT, H - BOTTOM, 2, COLORS.axis);
  line(LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM, 2, COLORS.axis);
  text(LEFT, 12, data.title.toUpperCase(), 14);
  text((W - 'ENV STEPS'.length * 6 * (10 / 7)) / 2, H - 20, 'ENV STEPS');
  text(8, TOP - 16, 'RETURN');

  // Episode returns (downsampled to ≤ 600 points by bin means) and their moving average.
  const eps = data.episodes;
  const bins = Math.min(600, eps.length);
  const pts: Array<[number, number]> = [];
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * eps.length) / bins);
    const to = Math.max(from + 1, Math.floor(((b + 1) * eps.length) / bins));
    let sx = 0;
    let sy = 0;
    for (let i = from; i < to; i++) {
      sx += eps[i]!.step;
      sy += eps[i]!.return;
    }
    pts.push([sx / (to - from), sy / (to - from)]);
  }
  for (let i = 1; i < pts.length; i++) line(px(pts[i - 1]![0]), py(pts[i - 1]![1]), px(pts[i]![0]), py(pts[i]![1]), 1, COLORS.episode);
  const window = Math.max(1, Math.round(eps.length / 25));
  const smooth: Array<[number, number]> = [];
  let acc = 0;
  for (let i = 0; i < eps.length; i++) {
    acc += eps[i]!.return;
    if (i >= window) acc -= eps[i - window]!.return;
    if (i >= window - 1 && (i % Math.max(1, Math.floor(eps.length / 600)) === 0 || i === eps.length - 1)) smooth.push([eps[i]!.step, acc / window]);
  }
  for (let i = 1; i < smooth.length; i++) line(px(smooth[i - 1]![0]), py(smooth[i - 1]![1]), px(smooth[i]![0]), py(smooth[i]![1]), 2.5, COLORS.smooth);

  // Evaluations: mean line, ±std whiskers, dots.
  const ev = data.evals;
  for (let i = 0; i < ev.length; i++) {
    const e = ev[i]!;
    if (i > 0) line(px(ev[i - 1]!.step), py(ev[i - 1]!.meanReturn), px(e.step), py(e.meanReturn), 2, COLORS.eval);
    line(px(e.step), py(Math.max(yMin, e.meanReturn - e.stdReturn)), px(e.step), py(Math.min(yMax, e.meanReturn + e.stdReturn)), 1, COLORS.eval);
    shapes.push({ type: 'circle', x: px(e.step), y: py(e.meanReturn), r: 3.5, color: COLORS.eval });
  }

  // Legend.
  const lx = W - RIGHT - 290;
  line(lx, 20, lx + 18, 20, 2.5, COLORS.smooth);
  text(lx + 24, 15, 'EPISODE RETURN (AVG)', 10);
  line(lx + 215, 20, lx + 233, 20, 2, COLORS.eval);
  text(lx + 239, 15, 'EVAL', 10);
  return { width: W, height: H, background: 0xffffff, shapes };
}

export function renderCurve(data: CurveData): Frame {
  return rasterize(curveScene(data));
}

export function encodePng(frame: Frame): Uint8Array {
  const png = new PNG({ width: frame.width, height: frame.height });
  for (let i = 0, j = 0; i < frame.width * frame.height; i++, j += 3) {
    png.data[i * 4] = frame.data[j]!;
    png.data[i * 4 + 1] = frame.data[j + 1]!;
    png.data[i * 4 + 2] = frame.data[j + 2]!;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** Draws the curve and writes it as a PNG (atomically). */
export function writeCurvePng(path: string, data: CurveData): void {
  writeFileAtomic(path, encodePng(renderCurve(data)));
}
