import { Space, type SpaceJSON } from './space.js';

/** A vector of Discrete values: element i lies in {start[i], …, start[i] + nvec[i] − 1}. */
export class MultiDiscrete extends Space<Int32Array> {
  readonly nvec: Int32Array;
  readonly start: Int32Array;

  constructor(nvec: ArrayLike<number>, start?: ArrayLike<number>) {
    super([nvec.length], 'int32');
    this.nvec = Int32Array.from(nvec);
    this.start = start ? Int32Array.from(start) : new Int32Array(nvec.length);
    if (this.start.length !== this.nvec.length) throw new RangeError('MultiDiscrete: start and nvec differ in length');
    for (const n of this.nvec) if (n <= 0) throw new RangeError(`MultiDiscrete: every n must be positive, got ${n}`);
  }

  sample(): Int32Array {
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) out[i] = this.start[i]! + this.rng.int(this.nvec[i]!);
    return out;
  }

  contains(x: unknown): x is Int32Array {
    if (!ArrayBuffer.isView(x) && !Array.isArray(x)) return false;
    const a = x as ArrayLike<unknown>;
    if (a.length !== this.nvec.length) return false;
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < this.start[i]! || v >= this.start[i]! + this.nvec[i]!) return false;
    }
    return true;
  }

  toJSON(): SpaceJSON {
    return { type: 'MultiDiscrete', nvec: Array.from(this.nvec), start: Array.from(this.start) };
  }

  toString(): string {
    return `MultiDiscrete([${Array.from(this.nvec).join(', ')}])`;
  }
}
