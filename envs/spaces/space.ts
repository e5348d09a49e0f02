import { Rng, seededRng } from '../rng.js';

export type TypedArray = Float32Array | Float64Array | Uint8Array | Int8Array | Int32Array;
export type BoxDType = 'float32' | 'float64' | 'uint8';

/** JSON has no infinities: they travel as strings. */
export type JsonNumber = number | 'inf' | '-inf';

export function toJsonNumber(v: number): JsonNumber {
  return v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v;
}

export function fromJsonNumber(v: JsonNumber): number {
  return v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v;
}

/** The JSON form of any space; `spaceFromJSON` reverses it. */
export type SpaceJSON =
  | { type: 'Discrete'; n: number; start: number }
  | { type: 'Box'; low: JsonNumber[]; high: JsonNumber[]; shape: number[]; dtype: BoxDType }
  | { type: 'MultiDiscrete'; nvec: number[]; start: number[] }
  | { type: 'MultiBinary'; n: number }
  | { type: 'Tuple'; spaces: SpaceJSON[] }
  | { type: 'Dict'; spaces: Record<string, SpaceJSON> };

/** A set of valid values (observations or actions), as Gymnasium's `Space`. */
export abstract class Space<T = unknown> {
  protected rng: Rng;

  constructor(
    readonly shape: readonly number[],
    readonly dtype: BoxDType | 'int32' | 'int8' | null,
  ) {
    this.rng = seededRng().rng;
  }

  /** Seeds this space's sampler; returns the seeds used (one per sub-space for composites). */
  seed(seed?: number): number[] {
    const s = seededRng(seed);
    this.rng = s.rng;
    return [s.seed];
  }

  abstract sample(): T;
  abstract contains(x: unknown): x is T;
  abstract toJSON(): SpaceJSON;
  abstract toString(): string;

  /** Number of scalars in one value (product of the shape). */
  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }
}

/** Formats a value for error messages without dumping huge arrays. */
export function describeValue(x: unknown): string {
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const a = x as unknown as ArrayLike<number>;
    const head = Array.from({ length: Math.min(a.length, 8) }, (_, i) => a[i]).join(', ');
    return `${x.constructor.name}(${a.length}) [${head}${a.length > 8 ? ', …' : ''}]`;
  }
  if (Array.isArray(x)) return `[${x.slice(0, 8).map(describeValue).join(', ')}${x.length > 8 ? ', …' : ''}]`;
  if (typeof x === 'number' || typeof x === 'boolean' || x === null || x === undefined) return String(x);
  if (typeof x === 'string') return JSON.stringify(x);
  try {
    return JSON.stringify(x);
  } catch {
    return Object.prototype.toString.call(x);
  }
}
