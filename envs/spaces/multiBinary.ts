import { Space, type SpaceJSON } from './space.js';

/** n independent bits. */
export class MultiBinary extends Space<Int8Array> {
  constructor(readonly n: number) {
    super([n], 'int8');
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`MultiBinary: n must be a positive integer, got ${n}`);
  }

  sample(): Int8Array {
    const out = new Int8Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.rng.nextUint32() & 1;
    return out;
  }

  contains(x: unknown): x is Int8Array {
    if (!ArrayBuffer.isView(x) && !Array.isArray(x)) return false;
    const a = x as ArrayLike<unknown>;
    if (a.length !== this.n) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== 0 && a[i] !== 1) return false;
    return true;
  }

  toJSON(): SpaceJSON {
    return { type: 'MultiBinary', n: this.n };
  }

  toString(): string {
    return `MultiBinary(${this.n})`;
  }
}
