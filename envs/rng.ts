import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/** Serializable RNG state: the generator's words, plus a cached normal deviate. */
export interface RngState {
  readonly words: readonly number[];
  readonly spareNormal: number | null;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/**
 * A seeded random source (xoroshiro128+ from pure-rand) with the draws RL code needs.
 * Mutable on purpose: hot loops draw millions of numbers and must not allocate.
 */
export class Rng {
  private gen: JumpableRandomGenerator;
  private spare: number | null = null;

  constructor(seed: number = 0) {
    // pure-rand seeds xoroshiro128+ as (-1, ~seed, seed, 0), so nearby seeds give nearly equal first
    // draws. Expand the seed through a SplitMix32-style mixer first, so seeds 0, 1, 2, … start apart.
    let x = seed | 0;
    const mix = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) | 0;
    };
    const words: number[] = [mix(), mix(), mix(), mix()];
    if ((words[0]! | words[1]! | words[2]! | words[3]!) === 0) words[0] = 1; // the all-zero state is a fixed point
    this.gen = xoroshiro128plusFromState(words);
  }

  /** A fresh Rng whose seed is drawn from this one (for child spaces, workers). */
  static fromEntropy(): Rng {
    // Only used when the user gives no seed: mixing time and a counter is enough.
    return new Rng((Date.now() ^ (Math.imul(++entropyCounter, 0x9e3779b1) >>> 0)) | 0);
  }

  /** Uint32 in [0, 2^32). */
  nextUint32(): number {
    return this.gen.next() >>> 0;
  }

  /** Float64 in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Integer in [0, n). Rejection sampling keeps it unbiased. */
  int(n: number): number {
    if (!(n > 0) || !Number.isInteger(n)) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    if (n <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      let x = this.nextUint32();
      while (x >= limit) x = this.nextUint32();
      return x % n;
    }
    return Math.floor(this.random() * n);
  }

  /** Float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Standard normal deviate (Marsaglia polar method, caching the pair's second value). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = this.random() * 2 - 1;
      v = this.random() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }

  /** Exponential deviate with rate 1. */
  exponential(): number {
    return -Math.log(1 - this.random());
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }

  /** Index drawn from unnormalized non-negative weights. */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    let r = this.random() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  getState(): RngState {
    return { words: [...this.gen.getState()], spareNormal: this.spare };
  }

  setState(state: RngState): void {
    this.gen = xoroshiro128plusFromState(state.words);
    this.spare = state.spareNormal;
  }

  clone(): Rng {
    const r = new Rng(0);
    r.setState(this.getState());
    return r;
  }
}

let entropyCounter = 0;

/** Gymnasium-style `np_random(seed)`: returns an Rng and the seed actually used. */
export function seededRng(seed?: number | null): { rng: Rng; seed: number } {
  if (seed === undefined || seed === null) {
    const s = (Date.now() ^ Math.imul(++entropyCounter, 0x9e3779b1)) >>> 0;
    return { rng: new Rng(s | 0), seed: s };
  }
  if (!Number.isInteger(seed)) throw new TypeError(`seed must be an integer, got ${String(seed)}`);
  return { rng: new Rng(seed | 0), seed };
}
