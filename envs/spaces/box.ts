import { Space, toJsonNumber, type BoxDType, type SpaceJSON } from './space.js';

export type BoxArray = Float32Array | Float64Array | Uint8Array;

export function allocBoxArray(dtype: BoxDType, size: number): BoxArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'uint8':
      return new Uint8Array(size);
  }
}

function expandBound(b: number | ArrayLike<number>, size: number, name: string): Float64Array {
  const out = new Float64Array(size);
  if (typeof b === 'number') {
    out.fill(b);
  } else {
    if (b.length !== size) throw new RangeError(`Box: ${name} has ${b.length} values, shape needs ${size}`);
    for (let i = 0; i < size; i++) out[i] = b[i]!;
  }
  return out;
}

/**
 * A (possibly unbounded) box in R^n, as Gymnasium's `Box`. Values are flat typed arrays
 * in row-major order; `shape` says how to read them.
 */
export class Box extends Space<BoxArray> {
  readonly low: Float64Array;
  readonly high: Float64Array;
  declare readonly dtype: BoxDType;

  constructor(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape?: readonly number[], dtype: BoxDType = 'float32') {
    const resolved =
      shape ?? (typeof low !== 'number' ? [low.length] : typeof high !== 'number' ? [high.length] : null);
    if (!resolved) throw new RangeError('Box: give a shape when low and high are scalars');
    for (const d of resolved) if (!Number.isInteger(d) || d < 0) throw new RangeError(`Box: bad shape [${resolved.join(', ')}]`);
    super([...resolved], dtype);
    const size = this.size;
    this.low = expandBound(low, size, 'low');
    this.high = expandBound(high, size, 'high');
    for (let i = 0; i < size; i++) {
      if (Number.isNaN(this.low[i]!) || Number.isNaN(this.high[i]!)) throw new RangeError('Box: NaN bound');
      if (this.low[i]! > this.high[i]!) throw new RangeError(`Box: low[${i}]=${this.low[i]} > high[${i}]=${this.high[i]}`);
    }
    if (dtype === 'float32') {
      // Bounds are stored as the float32 values the arrays can actually hold.
      for (let i = 0; i < size; i++) {
        this.low[i] = Math.fround(this.low[i]!);
        this.high[i] = Math.fround(this.high[i]!);
      }
    }
  }

  isBounded(): boolean {
    for (let i = 0; i < this.low.length; i++) if (!Number.isFinite(this.low[i]!) || !Number.isFinite(this.high[i]!)) return false;
    return true;
  }

  /** Uniform where bounded, exponential where half-bounded, normal where unbounded (Gymnasium's rule). */
  sample(): BoxArray {
    const out = allocBoxArray(this.dtype, this.size);
    const rng = this.rng;
    for (let i = 0; i < out.length; i++) {
      const lo = this.low[i]!;
      const hi = this.high[i]!;
      const loFinite = Number.isFinite(lo);
      const hiFinite = Number.isFinite(hi);
      if (this.dtype === 'uint8') {
        const l = Math.max(0, Math.ceil(loFinite ? lo : 0));
        const h = Math.min(255, Math.floor(hiFinite ? hi : 255));
        out[i] = l + rng.int(h - l + 1);
      } else if (loFinite && hiFinite) {
        out[i] = rng.uniform(lo, hi);
      } else if (loFinite) {
        out[i] = lo + rng.exponential();
      } else if (hiFinite) {
        out[i] = hi - rng.exponential();
      } else {
        out[i] = rng.normal();
      }
    }
    if (this.dtype === 'float32') {
      // Rounding to float32 can push a uniform draw onto or past `high`; clamp.
      for (let i = 0; i < out.length; i++) if (out[i]! > this.high[i]!) out[i] = this.high[i]!;
    }
    return out;
  }

  contains(x: unknown): x is BoxArray {
    if (!ArrayBuffer.isView(x) && !Array.isArray(x)) return false;
    const a = x as ArrayLike<unknown>;
    if (a.length !== this.size) return false;
    const integral = this.dtype === 'uint8';
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v !== 'number') return false;
      if (!(v >= this.low[i]! && v <= this.high[i]!)) return false; // also false for NaN
      if (integral && !Number.isInteger(v)) return false;
    }
    return true;
  }

  toJSON(): SpaceJSON {
    const enc = (a: Float64Array) => Array.from(a, toJsonNumber);
    return { type: 'Box', low: enc(this.low), high: enc(this.high), shape: [...this.shape], dtype: this.dtype };
  }

  toString(): string {
    // float32 bounds print at float32 precision (4.8, not 4.800000190734863), as numpy does.
    const fmt = (v: number) => (this.dtype === 'float32' && Number.isFinite(v) ? String(Number(v.toPrecision(7))) : String(v));
    const bound = (a: Float64Array) => {
      const first = a[0] ?? 0;
      return a.every((v) => v === first) ? fmt(first) : `[${Array.from(a.slice(0, 4), fmt).join(', ')}${a.length > 4 ? ', …' : ''}]`;
    };
    return `Box(${bound(this.low)}, ${bound(this.high)}, (${this.shape.join(', ')}${this.shape.length === 1 ? ',' : ''}), ${this.dtype})`;
  }
}
