import type { AutoresetMode, VecResetOptions } from './types.js';

/** Options both vector env classes take. */
export interface VectorEnvOptions {
  /** 'next-step' (default) or 'same-step'; see `AutoresetMode`. */
  autoresetMode?: AutoresetMode;
  /** Seed for the first reset() that is given none (sub-env i gets seed + i); also seeds the action spaces' samplers. */
  seed?: number;
  /**
   * true (default): reset/step return fresh arrays. false: they return the vector env's own
   * buffers (shared memory for AsyncVectorEnv), overwritten by the next call; no allocation per
   * step, about twice the env steps/s for cheap envs such as CartPole.
   */
  copy?: boolean;
}

export function checkNumEnvs(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`vector env: numEnvs must be a positive integer, got ${String(n)}`);
}

export function resolveMode(mode: AutoresetMode | undefined): AutoresetMode {
  if (mode === undefined) return 'next-step';
  if (mode !== 'next-step' && mode !== 'same-step')
    throw new RangeError(`vector env: autoresetMode must be 'next-step' or 'same-step', got ${JSON.stringify(mode)}`);
  return mode;
}

export function checkSeed(seed: unknown, what: string): void {
  if (seed !== undefined && seed !== null && !Number.isSafeInteger(seed))
    throw new TypeError(`${what} must be an integer, got ${String(seed)}`);
}

/**
 * One seed per sub-env from reset options: an integer gives seed + i, a list gives its entries,
 * nothing gives nulls (unseeded). Checks everything before anything is reset.
 */
export function expandSeeds(opts: VecResetOptions, numEnvs: number): Array<number | null> {
  if (opts === null || typeof opts !== 'object') throw new TypeError('reset: options must be an object like { seed, options }');
  const seed = opts.seed;
  if (opts.options !== undefined && (opts.options === null || typeof opts.options !== 'object'))
    throw new TypeError('reset: options.options must be an object');
  if (seed === undefined || seed === null) return new Array<number | null>(numEnvs).fill(null);
  if (typeof seed === 'number') {
    checkSeed(seed, 'reset: seed');
    return Array.from({ length: numEnvs }, (_, i) => seed + i);
  }
  if (!Array.isArray(seed) || seed.length !== numEnvs)
    throw new TypeError(`reset: seed must be an integer or a list of ${numEnvs} seeds, got ${String(seed)}`);
  return seed.map((s: number | null | undefined, i: number) => {
    checkSeed(s, `reset: seed[${i}]`);
    return s ?? null;
  });
}
