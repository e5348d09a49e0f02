import { shapeBounds, type PixelBounds } from '../../../envs/render/rasterize.js';
import type { Scene } from '../../../envs/render/scene.js';
import type { ObjectBox } from './frameDataset.js';

/**
 * How scene shapes become object boxes:
 * - 'shape': one box per labelled shape;
 * - 'touching' (default): shapes of one kind whose boxes overlap or share an edge form one object
 *   (a pendulum's rod polygon and end caps; a run of adjacent bricks);
 * - 'kind': one box around everything of a kind.
 */
export type BoxMode = 'shape' | 'touching' | 'kind';

export const BOX_MODES: readonly BoxMode[] = ['shape', 'touching', 'kind'];

interface KindBox extends PixelBounds {
  kind: number;
}

function touches(a: PixelBounds, b: PixelBounds): boolean {
  return a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1;
}

function union(a: KindBox, b: KindBox): KindBox {
  return { kind: a.kind, x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

/** Merges boxes until no two that `joins` pair remain (few boxes a frame, so quadratic is fine). */
function mergeWhile(boxes: KindBox[], joins: (a: KindBox, b: KindBox) => boolean): KindBox[] {
  const out = [...boxes];
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length; j++) {
        if (out[i]!.kind === out[j]!.kind && joins(out[i]!, out[j]!)) {
          out[i] = union(out[i]!, out[j]!);
          out.splice(j, 1);
          merged = true;
          break;
        }
      }
    }
  }
  return out;
}

/**
 * The object boxes of a scene rasterized at width × height, given its label mask (from
 * `rasterizeLabels` with the same `kinds`). Each box is shrunk to the pixels of its kind that
 * are visible inside it, so boxes agree with the mask: an object fully hidden by a later shape,
 * or outside the frame, has no box. Sorted by kind, then top, then left.
 */
export function sceneBoxes(scene: Scene, width: number, height: number, kinds: readonly string[], mask: Uint8Array, mode: BoxMode = 'touching'): ObjectBox[] {
  const sx = width / scene.width;
  const sy = height / scene.height;
  let raw: KindBox[] = [];
  for (const s of scene.shapes) {
    if (s.kind === undefined) continue;
    const kind = kinds.indexOf(s.kind);
    if (kind < 0) continue;
    const b = shapeBounds(s, sx, sy);
    if (b.x1 <= b.x0 || b.y1 <= b.y0) continue;
    raw.push({ kind, ...b });
  }
  if (mode === 'touching') raw = mergeWhile(raw, touches);
  else if (mode === 'kind') raw = mergeWhile(raw, () => true);
  const out: ObjectBox[] = [];
  for (const b of raw) {
    const v = visibleExtent(b, width, height, mask);
    if (v) out.push(v);
  }
  out.sort((a, b) => a.kind - b.kind || a.y0 - b.y0 || a.x0 - b.x0 || a.y1 - b.y1 || a.x1 - b.x1);
  return out;
}

/** The tight box of mask pixels equal to b.kind + 1 inside b (clipped to the frame), or null. */
function visibleExtent(b: KindBox, width: number, height: number, mask: Uint8Array): ObjectBox | null {
  const label = b.kind + 1;
  const cx0 = Math.max(0, b.x0);
  const cy0 = Math.max(0, b.y0);
  const cx1 = Math.min(width, b.x1);
  const cy1 = Math.min(height, b.y1);
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let y = cy0; y < cy1; y++) {
    const row = y * width;
    for (let x = cx0; x < cx1; x++) {
      if (mask[row + x] !== label) continue;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      y1 = y + 1;
    }
  }
  return x1 > x0 ? { kind: b.kind, x0, y0, x1, y1 } : null;
}
