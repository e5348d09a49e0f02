/**
 * The software rasterizer: scenes to RGB frames, label maps and pixel bounding boxes, with no
 * DOM, no GPU and no anti-aliasing. Scene units scale to pixels by sx = width / scene.width and
 * sy = height / scene.height; a pixel is covered when its centre lies inside a shape (edges
 * half-open, see coverage.ts for the consequences at integer and non-integer scale). Later
 * shapes draw over earlier ones. Every input is checked before the first byte is written.
 */
import { coverShape, type Clip } from './coverage.js';
import type { Frame, Scene, Shape } from './scene.js';
import { BoundsSink, LabelSink, RgbSink } from './sinks.js';
import { checkOut, checkScene, checkShape, checkSize } from './validate.js';

// Reused across calls: rasterizing is synchronous, so one of each is enough.
const rgb = new RgbSink();
const labels = new LabelSink();
const bounds = new BoundsSink();
const frameClip: Clip = { x0: 0, y0: 0, x1: 0, y1: 0 };
const EMPTY = new Uint8Array(0);
const noClip: Clip = { x0: -Infinity, y0: -Infinity, x1: Infinity, y1: Infinity };

function clipTo(width: number, height: number): Clip {
  frameClip.x1 = width;
  frameClip.y1 = height;
  return frameClip;
}

/**
 * Rasterizes `scene` into width × height RGB bytes (row-major, 3 a pixel); width and height
 * default to the scene's size. Writes into `out` when given (it must hold exactly
 * width × height × 3 bytes), else into a new buffer.
 */
export function rasterize(scene: Scene, width?: number, height?: number, out?: Uint8Array): Frame {
  // Defaults are resolved after the scene check so a missing scene gets a clear error.
  checkScene(scene);
  const w = width ?? scene.width;
  const h = height ?? scene.height;
  checkSize(w, h, 'rasterize');
  checkOut(out, w * h * 3, 'rasterize');
  const data = out ?? new Uint8Array(w * h * 3);
  rgb.target(data, w);
  rgb.setColor(scene.background);
  rgb.block(0, 0, w, h);
  rgb.target(EMPTY, 0);
  paintShapes(scene.shapes, scene.width, scene.height, data, w, h);
  return { width: w, height: h, data };
}

/**
 * Draws already-checked `shapes` of a sceneWidth × sceneHeight scene over the width × height RGB
 * bytes in `data`, as `rasterize` does after filling the background. For callers that keep a
 * pre-drawn background (see StaticLayer).
 */
export function paintShapes(shapes: readonly Shape[], sceneWidth: number, sceneHeight: number, data: Uint8Array, width: number, height: number): void {
  const sx = width / sceneWidth;
  const sy = height / sceneHeight;
  const clip = clipTo(width, height);
  rgb.target(data, width);
  for (let i = 0; i < shapes.length; i++) {
    const s = shapes[i]!;
    rgb.setColor(s.color);
    coverShape(s, sx, sy, clip, rgb);
  }
  rgb.target(EMPTY, 0); // drop the reference to the caller's buffer
}

/**
 * Ground truth for vision: width × height bytes, each the index + 1 in `kinds` of the topmost
 * shape's `kind` covering that pixel; 0 for background, for shapes without a kind and for
 * kinds not listed (such shapes still hide what is beneath them). Coverage matches `rasterize`
 * exactly. At most 255 kinds.
 */
export function rasterizeLabels(scene: Scene, width: number, height: number, kinds: readonly string[], out?: Uint8Array): Uint8Array {
  checkScene(scene);
  checkSize(width, height, 'rasterizeLabels');
  if (!Array.isArray(kinds) || kinds.some((k) => typeof k !== 'string')) throw new TypeError('rasterizeLabels: kinds must be an array of strings');
  if (kinds.length > 255) throw new RangeError(`rasterizeLabels: at most 255 kinds fit in a byte, got ${kinds.length}`);
  checkOut(out, width * height, 'rasterizeLabels');
  const data = out ?? new Uint8Array(width * height);
  const sx = width / scene.width;
  const sy = height / scene.height;
  const clip = clipTo(width, height);
  labels.target(data, width);
  labels.value = 0;
  labels.block(0, 0, width, height);
  const shapes = scene.shapes;
  for (let i = 0; i < shapes.length; i++) {
    const s = shapes[i]!;
    labels.value = s.kind === undefined ? 0 : kinds.indexOf(s.kind) + 1;
    coverShape(s, sx, sy, clip, labels);
  }
  labels.target(EMPTY, 0);
  return data;
}

/** A pixel rectangle: columns x0 … x1 − 1, rows y0 … y1 − 1 (ends exclusive). */
export interface PixelBounds {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The bounding box of the pixels `shape` covers at scale sx, sy (same rule as `rasterize`),
 * not clipped to any frame; { 0, 0, 0, 0 } when it covers no pixel.
 */
export function shapeBounds(shape: Shape, sx: number, sy: number): PixelBounds {
  if (!(Number.isFinite(sx) && sx > 0 && Number.isFinite(sy) && sy > 0))
    throw new RangeError(`shapeBounds: scale must be positive, got ${String(sx)}, ${String(sy)}`);
  checkShape(shape, 'shapeBounds: shape');
  bounds.reset();
  coverShape(shape, sx, sy, noClip, bounds);
  if (bounds.empty) return { x0: 0, y0: 0, x1: 0, y1: 0 };
  // + 0 turns Math.ceil's −0 into 0.
  return { x0: bounds.x0 + 0, y0: bounds.y0 + 0, x1: bounds.x1 + 0, y1: bounds.y1 + 0 };
}
