// Classification tasks read off a frame dataset's ground truth.
import type { FrameDataset } from '../data/frameDataset.js';
import type { LabeledImages } from './labeled.js';

/**
 * "Where along an axis is the object of this kind": the centre of its visible box, cut into
 * `buckets` equal slices of the frame (Catch: the ball's column 0 … 4 with buckets 5; Breakout:
 * the paddle's position bucket). When a frame shows several objects of the kind, the largest counts.
 */
export interface PositionTask {
  kind: string;
  axis: 'x' | 'y';
  buckets: number;
}

/** 'kind:axis:buckets', e.g. 'ball:x:5'. */
export function parsePositionTask(text: string): PositionTask {
  const m = /^([^:]+):([xy]):(\d+)$/.exec(String(text));
  if (!m) throw new Error(`task must look like 'kind:x|y:buckets' (e.g. 'ball:x:5'), got '${String(text)}'`);
  const buckets = Number(m[3]);
  if (buckets < 2 || buckets > 255) throw new RangeError(`task buckets must be 2 … 255, got ${buckets}`);
  return { kind: m[1]!, axis: m[2] as 'x' | 'y', buckets };
}

export function formatPositionTask(t: PositionTask): string {
  return `${t.kind}:${t.axis}:${t.buckets}`;
}

/** The kind visible in the most frames (ties: the first in `kinds`), its x position in 5 buckets. */
export function defaultPositionTask(ds: FrameDataset): PositionTask {
  const k = ds.kinds.length;
  let best = 0;
  let bestCount = -1;
  for (let j = 0; j < k; j++) {
    let count = 0;
    for (let i = 0; i < ds.size; i++) count += ds.present[i * k + j]!;
    if (count > bestCount) [best, bestCount] = [j, count];
  }
  return { kind: ds.kinds[best]!, axis: 'x', buckets: 5 };
}

/** Frames as float32 [N, H, W, 3] in [0, 1], at `indices` (default all). */
export function frameImages(ds: FrameDataset, indices?: readonly number[]): Float32Array {
  const px = ds.width * ds.height * 3;
  const idx = indices ?? Array.from({ length: ds.size }, (_, i) => i);
  const out = new Float32Array(idx.length * px);
  idx.forEach((i, j) => {
    const f = ds.frame(i);
    const o = j * px;
    for (let p = 0; p < px; p++) out[o + p] = f[p]! / 255;
  });
  return out;
}

/** The episode of each kept frame: the groups for cross-validation. */
function episodesOf(ds: FrameDataset, kept: readonly number[]): Int32Array {
  return Int32Array.from(kept, (i) => ds.episodes[i]!);
}

/** Each frame's bucket for `task`, or −1 where the kind is not visible. */
function bucketsOf(ds: FrameDataset, task: PositionTask): Int32Array {
  const kind = ds.kindIndex(task.kind);
  if (!Number.isInteger(task.buckets) || task.buckets < 2) throw new RangeError(`position task: buckets must be an integer ≥ 2, got ${String(task.buckets)}`);
  if (task.axis !== 'x' && task.axis !== 'y') throw new RangeError(`position task: axis must be 'x' or 'y', got ${String(task.axis)}`);
  const side = task.axis === 'x' ? ds.width : ds.height;
  const out = new Int32Array(ds.size).fill(-1);
  for (let i = 0; i < ds.size; i++) {
    let area = 0;
    for (const b of ds.boxes[i]!) {
      const a = (b.x1 - b.x0) * (b.y1 - b.y0);
      if (b.kind !== kind || a <= area) continue;
      area = a;
      const centre = task.axis === 'x' ? (b.x0 + b.x1) / 2 : (b.y0 + b.y1) / 2;
      out[i] = Math.min(task.buckets - 1, Math.floor((centre / side) * task.buckets));
    }
  }
  return out;
}

/** Labelled images for a position task; frames where the kind is not visible are left out. */
export function positionLabels(ds: FrameDataset, task: PositionTask): LabeledImages {
  const buckets = bucketsOf(ds, task);
  const kept: number[] = [];
  for (let i = 0; i < ds.size; i++) if (buckets[i]! >= 0) kept.push(i);
  if (kept.length === 0) throw new Error(`positionLabels: no frame shows a '${task.kind}'`);
  return { images: frameImages(ds, kept), shape: [ds.height, ds.width, 3], labels: Int32Array.from(kept, (i) => buckets[i]!), numClasses: task.buckets, groups: episodesOf(ds, kept) };
}

/**
 * Several position tasks as one class: the joint bucket (mixed radix, first task most significant),
 * e.g. Catch's ball and paddle columns as 25 classes, so one classifier must see both objects.
 * Frames missing any of the kinds are left out.
 */
export function jointPositionLabels(ds: FrameDataset, tasks: readonly PositionTask[]): LabeledImages {
  if (!Array.isArray(tasks) || tasks.length === 0) throw new RangeError('jointPositionLabels: give at least one task');
  const numClasses = tasks.reduce((n, t) => n * t.buckets, 1);
  if (numClasses > 65_536) throw new RangeError(`jointPositionLabels: ${numClasses} joint classes are too many`);
  const per = tasks.map((t) => bucketsOf(ds, t));
  const kept: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < ds.size; i++) {
    if (per.some((p) => p[i]! < 0)) continue;
    kept.push(i);
    labels.push(per.reduce((acc, p, j) => acc * tasks[j]!.buckets + p[i]!, 0));
  }
  if (kept.length === 0) throw new Error(`jointPositionLabels: no frame shows all of ${tasks.map((t) => t.kind).join(', ')}`);
  return { images: frameImages(ds, kept), shape: [ds.height, ds.width, 3], labels: Int32Array.from(labels), numClasses, groups: episodesOf(ds, kept) };
}
