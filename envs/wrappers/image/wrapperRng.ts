import type { ResetOptions } from '../../core.js';
import { Rng, seededRng } from '../../rng.js';

/** Murmur3's 32-bit finalizer: spreads nearby seeds far apart. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}

/**
 * A wrapper's own random source, reseeded when reset gets a seed. The seed is mixed with a
 * per-wrapper salt so the wrapper's draws are not the env's own stream replayed.
 */
export class WrapperRng {
  rng: Rng = seededRng().rng;

  constructor(private readonly salt: number) {}

  reseed(opts: ResetOptions | undefined): void {
    const seed = opts?.seed;
    if (seed === undefined || seed === null) return;
    if (!Number.isInteger(seed)) throw new TypeError(`seed must be an integer, got ${String(seed)}`);
    this.rng = new Rng(mix32((seed | 0) ^ Math.imul(this.salt, 0x9e3779b1)));
  }
}
