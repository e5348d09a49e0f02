/**
 * Writes k frames (HWC, C channels each) into one [H, W, C·k] array: frame i fills channels
 * [i·C, (i+1)·C) of every pixel. Frame i is `ring[(first + i) % ring.length]`.
 */
export function interleaveFrames(ring: readonly Uint8Array[], first: number, channels: number, out: Uint8Array): Uint8Array {
  const k = ring.length;
  const stride = channels * k;
  const pixels = out.length / stride;
  for (let i = 0; i < k; i++) {
    const frame = ring[(first + i) % k]!;
    const base = i * channels;
    if (channels === 1) {
      for (let p = 0; p < pixels; p++) out[p * stride + base] = frame[p]!;
    } else {
      for (let p = 0; p < pixels; p++) {
        const src = p * channels;
        const dst = p * stride + base;
        for (let c = 0; c < channels; c++) out[dst + c] = frame[src + c]!;
      }
    }
  }
  return out;
}

/**
 * A stack of k frames that holds references instead of a copy (OpenAI Baselines' LazyFrames):
 * consecutive stacks share k − 1 frames, so a replay buffer of them stores each frame about once.
 * The frames are shared and must be treated as read-only; `toArray` builds the [H, W, C·k] array.
 */
export class LazyFrames {
  /** [H, W, C·k], the shape `toArray()` returns. */
  readonly shape: readonly [number, number, number];

  constructor(
    private readonly frames: readonly Uint8Array[],
    height: number,
    width: number,
    readonly channels: number,
  ) {
    this.shape = Object.freeze([height, width, channels * frames.length] as [number, number, number]);
  }

  /** Number of frames, k. */
  get length(): number {
    return this.frames.length;
  }

  /** Number of values in the materialized array. */
  get size(): number {
    return this.shape[0] * this.shape[1] * this.shape[2];
  }

  /** Frame i, oldest first (i = k − 1 is the newest). Shared: do not write to it. */
  get(i: number): Uint8Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.frames.length) throw new RangeError(`LazyFrames.get: index ${i} outside [0, ${this.frames.length})`);
    return this.frames[i]!;
  }

  /** The contiguous [H, W, C·k] array, into `out` when given (e.g. a slot of a batch buffer). */
  toArray(out?: Uint8Array): Uint8Array {
    const target = out ?? new Uint8Array(this.size);
    if (target.length !== this.size) throw new RangeError(`LazyFrames.toArray: out has ${target.length} values, needs ${this.size}`);
    return interleaveFrames(this.frames, 0, this.channels, target);
  }
}
