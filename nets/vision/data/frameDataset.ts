import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../envs/rng.js';

/**
 * One object's visible pixel box in a frame: columns x0 … x1 − 1, rows y0 … y1 − 1 (ends
 * exclusive, as `shapeBounds`). `kind` indexes the dataset's `kinds`.
 */
export interface ObjectBox {
  readonly kind: number;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** The raw arrays behind a dataset; `FrameDataset` checks them all before it exists. */
export interface FrameDatasetParts {
  readonly width: number;
  readonly height: number;
  /** Object kind names; kind i is written as i + 1 in the masks (0 = background). */
  readonly kinds: readonly string[];
  /** RGB frames, [N, H, W, 3] row-major. */
  readonly frames: Uint8Array;
  /** Per-pixel kind index + 1, [N, H, W]. */
  readonly masks: Uint8Array;
  /** Multi-hot [N, K]: 1 when at least one pixel of that kind is visible in the frame. */
  readonly present: Uint8Array;
  /** Boxes per frame. */
  readonly boxes: readonly (readonly ObjectBox[])[];
  /** Action taken from frame i (discrete actions), −1 when none was (episode end, last frame, non-integer action). */
  readonly actions: Int32Array;
  /** Reward received for `actions[i]` (0 when there was no action). */
  readonly rewards: Float32Array;
  /** Episode index of frame i (0-based, in collection order). */
  readonly episodes: Int32Array;
  /** Step index of frame i within its episode (0 = the reset frame). */
  readonly steps: Int32Array;
}

/** A dataset's images and labels as tensors; `dispose()` frees them all. */
export interface FrameTensors {
  /** Float32 [N, H, W, 3] in [0, 1]. */
  readonly images: tf.Tensor4D;
  /** Float32 multi-hot [N, K]. */
  readonly present: tf.Tensor2D;
  /** Int32 [N, H, W] kind index + 1, when asked for. */
  readonly masks: tf.Tensor3D | null;
  dispose(): void;
}

export interface SplitOptions {
  /** Keep whole episodes on one side, so near-duplicate neighbouring frames cannot leak (default false). */
  byEpisode?: boolean;
}

function fail(msg: string): never {
  throw new Error(`FrameDataset: ${msg}`);
}

function checkLength(name: string, actual: number, expected: number): void {
  if (actual !== expected) fail(`${name} has ${actual} values, expected ${expected}`);
}

/**
 * Frames recorded from an env with exact ground truth from its scene: RGB pixels, per-pixel kind
 * masks, visible kinds (multi-hot) and object boxes, plus the action, reward and episode position
 * of each frame. Immutable: `subset` and `split` copy.
 */
export class FrameDataset {
  readonly width: number;
  readonly height: number;
  readonly kinds: readonly string[];
  readonly frames: Uint8Array;
  readonly masks: Uint8Array;
  readonly present: Uint8Array;
  readonly boxes: readonly (readonly ObjectBox[])[];
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  readonly episodes: Int32Array;
  readonly steps: Int32Array;
  /** Number of frames. */
  readonly size: number;

  constructor(parts: FrameDatasetParts) {
    const { width, height, kinds } = parts;
    if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) fail(`bad frame size ${String(width)}×${String(height)}`);
    if (!Array.isArray(kinds) || kinds.some((k) => typeof k !== 'string' || k.length === 0)) fail('kinds must be non-empty strings');
    if (new Set(kinds).size !== kinds.length) fail(`kinds must be distinct, got ${kinds.join(', ')}`);
    if (kinds.length > 255) fail(`at most 255 kinds, got ${kinds.length}`);
    const pixels = width * height;
    if (!(parts.frames instanceof Uint8Array)) fail('frames must be a Uint8Array');
    if (parts.frames.length % (pixels * 3) !== 0) fail(`frames hold ${parts.frames.length} bytes, not a multiple of ${pixels * 3}`);
    const n = parts.frames.length / (pixels * 3);
    checkLength('masks', parts.masks.length, n * pixels);
    checkLength('present', parts.present.length, n * kinds.length);
    checkLength('boxes', parts.boxes.length, n);
    checkLength('actions', parts.actions.length, n);
    checkLength('rewards', parts.rewards.length, n);
    checkLength('episodes', parts.episodes.length, n);
    checkLength('steps', parts.steps.length, n);
    const k = kinds.length;
    for (let i = 0; i < parts.masks.length; i++) if (parts.masks[i]! > k) fail(`mask value ${parts.masks[i]} at ${i} exceeds the ${k} kinds`);
    for (let i = 0; i < parts.present.length; i++) if (parts.present[i]! > 1) fail(`present must be 0/1, got ${parts.present[i]}`);
    parts.boxes.forEach((list, f) => {
      for (const b of list) {
        const ok =
          Number.isInteger(b.kind) && b.kind >= 0 && b.kind < k &&
          Number.isInteger(b.x0) && Number.isInteger(b.y0) && Number.isInteger(b.x1) && Number.isInteger(b.y1) &&
          b.x0 >= 0 && b.y0 >= 0 && b.x1 <= width && b.y1 <= height && b.x0 < b.x1 && b.y0 < b.y1;
        if (!ok) fail(`frame ${f}: bad box ${JSON.stringify(b)} for ${width}×${height} and ${k} kinds`);
      }
    });
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(parts.rewards[i]!)) fail(`reward ${i} is not finite`);
      if (parts.actions[i]! < -1) fail(`action ${i} is ${parts.actions[i]}; −1 marks "none"`);
      if (parts.episodes[i]! < 0 || parts.steps[i]! < 0) fail(`episode/step of frame ${i} must be non-negative`);
    }
    this.width = width;
    this.height = height;
    this.kinds = Object.freeze([...kinds]);
    this.frames = parts.frames;
    this.masks = parts.masks;
    this.present = parts.present;
    this.boxes = parts.boxes.map((l) => Object.freeze(l.map((b) => Object.freeze({ kind: b.kind, x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1 }))));
    this.actions = parts.actions;
    this.rewards = parts.rewards;
    this.episodes = parts.episodes;
    this.steps = parts.steps;
    this.size = n;
  }

  /** Frame i's RGB bytes (a view, [H, W, 3]). */
  frame(i: number): Uint8Array {
    this.checkIndex(i);
    const s = this.width * this.height * 3;
    return this.frames.subarray(i * s, (i + 1) * s);
  }

  /** Frame i's mask (a view, [H, W]). */
  mask(i: number): Uint8Array {
    this.checkIndex(i);
    const s = this.width * this.height;
    return this.masks.subarray(i * s, (i + 1) * s);
  }

  /** Whether kind `kind` (name or index) is visible in frame i. */
  isPresent(i: number, kind: string | number): boolean {
    this.checkIndex(i);
    return this.present[i * this.kinds.length + this.kindIndex(kind)] === 1;
  }

  /** The index of a kind name (or a checked index). */
  kindIndex(kind: string | number): number {
    const k = typeof kind === 'number' ? kind : this.kinds.indexOf(kind);
    if (!Number.isInteger(k) || k < 0 || k >= this.kinds.length) throw new RangeError(`FrameDataset: unknown kind ${String(kind)}; kinds are ${this.kinds.join(', ')}`);
    return k;
  }

  /** A new dataset of the frames at `indices` (in that order; repeats allowed). */
  subset(indices: ArrayLike<number>): FrameDataset {
    const idx = Array.from(indices);
    for (const i of idx) this.checkIndex(i);
    const px = this.width * this.height;
    const k = this.kinds.length;
    const frames = new Uint8Array(idx.length * px * 3);
    const masks = new Uint8Array(idx.length * px);
    const present = new Uint8Array(idx.length * k);
    idx.forEach((i, j) => {
      frames.set(this.frames.subarray(i * px * 3, (i + 1) * px * 3), j * px * 3);
      masks.set(this.masks.subarray(i * px, (i + 1) * px), j * px);
      present.set(this.present.subarray(i * k, (i + 1) * k), j * k);
    });
    const pick = <T extends Int32Array | Float32Array>(a: T, make: (n: number) => T): T => {
      const out = make(idx.length);
      idx.forEach((i, j) => (out[j] = a[i]!));
      return out;
    };
    return new FrameDataset({
      width: this.width,
      height: this.height,
      kinds: this.kinds,
      frames,
      masks,
      present,
      boxes: idx.map((i) => this.boxes[i]!),
      actions: pick(this.actions, (n) => new Int32Array(n)),
      rewards: pick(this.rewards, (n) => new Float32Array(n)),
      episodes: pick(this.episodes, (n) => new Int32Array(n)),
      steps: pick(this.steps, (n) => new Int32Array(n)),
    });
  }

  /**
   * A seeded random split: round(ratio × N) frames for training, the rest for validation (by
   * episode when asked: whole episodes go to one side until the training side reaches its share).
   */
  split(ratio: number, seed: number, options: SplitOptions = {}): { train: FrameDataset; validation: FrameDataset } {
    if (!(typeof ratio === 'number' && ratio > 0 && ratio < 1)) throw new RangeError(`FrameDataset.split: ratio must be in (0, 1), got ${String(ratio)}`);
    if (!Number.isInteger(seed)) throw new TypeError(`FrameDataset.split: seed must be an integer, got ${String(seed)}`);
    const rng = new Rng(seed);
    const target = Math.round(ratio * this.size);
    let train: number[];
    let validation: number[];
    if (options.byEpisode) {
      const groups = new Map<number, number[]>();
      for (let i = 0; i < this.size; i++) {
        const e = this.episodes[i]!;
        let g = groups.get(e);
        if (!g) groups.set(e, (g = []));
        g.push(i);
      }
      const order = rng.shuffle([...groups.keys()]);
      train = [];
      validation = [];
      for (const e of order) (train.length < target ? train : validation).push(...groups.get(e)!);
    } else {
      const order = rng.shuffle(Array.from({ length: this.size }, (_, i) => i));
      train = order.slice(0, target);
      validation = order.slice(target);
    }
    if (train.length === 0 || validation.length === 0)
      throw new RangeError(`FrameDataset.split: ratio ${ratio} of ${this.size} frames leaves one side empty`);
    return { train: this.subset(train), validation: this.subset(validation) };
  }

  /** Images scaled to [0, 1] and labels as tensors (masks only when asked: they are big). */
  toTensors(options: { masks?: boolean } = {}): FrameTensors {
    const { width: w, height: h, size: n } = this;
    const k = this.kinds.length;
    const images = tf.tidy(() => tf.tensor4d(this.frames, [n, h, w, 3], 'int32').toFloat().div(255) as tf.Tensor4D);
    const present = tf.tensor2d(this.present, [n, k], 'float32');
    const masks = options.masks ? tf.tensor3d(this.masks, [n, h, w], 'int32') : null;
    return {
      images,
      present,
      masks,
      dispose() {
        images.dispose();
        present.dispose();
        masks?.dispose();
      },
    };
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`FrameDataset: index ${String(i)} outside 0 … ${this.size - 1}`);
  }
}
