// Float maps (saliency, occlusion, activations) and how they become pictures: a colour map and an
// overlay on the frame they explain. cs231n ch. 11 ("Visualizing and understanding").
import type { Frame } from '../../../envs/render/scene.js';

/** A per-pixel float map, row-major [height, width]. */
export interface FloatMap {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

export function floatMap(width: number, height: number, data?: Float32Array): FloatMap {
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) throw new RangeError(`floatMap: bad size ${width}×${height}`);
  const d = data ?? new Float32Array(width * height);
  if (d.length !== width * height) throw new RangeError(`floatMap: ${d.length} values for ${width}×${height}`);
  return { width, height, data: d };
}

/** Rescales a map to [0, 1] by its min and max (a constant map becomes all zeros). */
export function normalizeMap(map: FloatMap): FloatMap {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  const out = new Float32Array(map.data.length);
  if (span > 0) for (let i = 0; i < out.length; i++) out[i] = (map.data[i]! - lo) / span;
  return { width: map.width, height: map.height, data: out };
}

// Anchor colours of a perceptually ordered dark-blue → red → yellow ramp ("inferno"-like), so that
// higher means brighter in print and on screen.
const RAMP: readonly (readonly [number, number, number])[] = [
  [0, 0, 4],
  [87, 16, 110],
  [188, 55, 84],
  [249, 142, 9],
  [252, 255, 164],
];

/** The ramp's RGB for t in [0, 1] (clamped). */
export function rampColor(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const a = RAMP[i]!;
  const b = RAMP[i + 1]!;
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}

/** Colours a map (normalized to its own range first) as an RGB frame. */
export function colorizeMap(map: FloatMap): Frame {
  const n = normalizeMap(map);
  const data = new Uint8Array(map.width * map.height * 3);
  for (let i = 0; i < n.data.length; i++) data.set(rampColor(n.data[i]!), i * 3);
  return { width: map.width, height: map.height, data };
}

/** Nearest-neighbour resize of a map (explanations of a 21×21 input drawn over an 84×84 frame). */
export function resizeMap(map: FloatMap, width: number, height: number): FloatMap {
  if (map.width === width && map.height === height) return map;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(map.height - 1, Math.floor((y * map.height) / height));
    for (let x = 0; x < width; x++) out[y * width + x] = map.data[sy * map.width + Math.min(map.width - 1, Math.floor((x * map.width) / width))]!;
  }
  return { width, height, data: out };
}

/**
 * Blends the coloured map over `frame`: alpha·map colour + (1 − alpha)·pixel, with alpha scaled by
 * the normalized value so that unimportant pixels keep the frame visible.
 */
export function overlayMap(frame: Frame, map: FloatMap, alpha = 0.6): Frame {
  const m = normalizeMap(resizeMap(map, frame.width, frame.height));
  const out = new Uint8Array(frame.width * frame.height * 3);
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i]!;
    const c = rampColor(v);
    const a = alpha * v;
    for (let k = 0; k < 3; k++) out[i * 3 + k] = Math.round(a * c[k]! + (1 - a) * frame.data[i * 3 + k]!);
  }
  return { width: frame.width, height: frame.height, data: out };
}

/** Tiles equally sized frames into a grid with a 1-pixel separator of `gap` colour. */
export function tileFrames(frames: readonly Frame[], columns: number, gap = 0x202020): Frame {
  if (frames.length === 0) throw new RangeError('tileFrames: no frames');
  const w = frames[0]!.width;
  const h = frames[0]!.height;
  if (frames.some((f) => f.width !== w || f.height !== h)) throw new RangeError('tileFrames: frames differ in size');
  const cols = Math.max(1, Math.min(columns, frames.length));
  const rows = Math.ceil(frames.length / cols);
  const W = cols * (w + 1) - 1;
  const H = rows * (h + 1) - 1;
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) data.set([(gap >> 16) & 255, (gap >> 8) & 255, gap & 255], i * 3);
  frames.forEach((f, k) => {
    const ox = (k % cols) * (w + 1);
    const oy = Math.floor(k / cols) * (h + 1);
    for (let y = 0; y < h; y++) data.set(f.data.subarray(y * w * 3, (y + 1) * w * 3), ((oy + y) * W + ox) * 3);
  });
  return { width: W, height: H, data };
}
