// Random hyperparameter search (Bergstra & Bengio 2012; cs231n ch. 6.8: sample on a log scale, search
// randomly rather than on a grid).
import { Rng } from '../../../envs/rng.js';

/** How one hyperparameter is drawn. */
export type ParamSpec =
  | { type: 'logUniform'; min: number; max: number }
  | { type: 'uniform'; min: number; max: number }
  /** An integer in min … max inclusive, uniform (log: uniform in log space, then rounded). */
  | { type: 'int'; min: number; max: number; log?: boolean }
  | { type: 'choice'; values: readonly (number | string)[] };

export type SearchSpace = Readonly<Record<string, ParamSpec>>;
export type Params = Record<string, number | string>;

export interface SearchTrial {
  readonly trial: number;
  readonly params: Params;
  /** The objective's score (higher is better). */
  readonly score: number;
}

export interface SearchResult {
  /** The highest-scoring trial (the earliest among equals). */
  readonly best: SearchTrial;
  readonly trials: readonly SearchTrial[];
}

function checkSpec(name: string, s: ParamSpec): void {
  const bad = (why: string): never => {
    throw new RangeError(`randomSearch: parameter '${name}' ${why}`);
  };
  if (typeof s !== 'object' || s === null) bad('needs a spec object');
  switch (s.type) {
    case 'logUniform':
      if (!(s.min > 0 && s.max >= s.min && Number.isFinite(s.max))) bad(`needs 0 < min ≤ max, got ${s.min}, ${s.max}`);
      return;
    case 'uniform':
      if (!(Number.isFinite(s.min) && Number.isFinite(s.max) && s.max >= s.min)) bad(`needs finite min ≤ max, got ${s.min}, ${s.max}`);
      return;
    case 'int':
      if (!(Number.isInteger(s.min) && Number.isInteger(s.max) && s.max >= s.min)) bad(`needs integers min ≤ max, got ${s.min}, ${s.max}`);
      if (s.log && s.min < 1) bad('needs min ≥ 1 on a log scale');
      return;
    case 'choice':
      if (!Array.isArray(s.values) || s.values.length === 0) bad('needs at least one value');
      return;
    default:
      bad(`has unknown type ${JSON.stringify((s as { type?: unknown }).type)}`);
  }
}

/** Checks every parameter spec (the search changes nothing and runs nothing if one is wrong). */
export function checkSearchSpace(space: SearchSpace): void {
  if (typeof space !== 'object' || space === null || Object.keys(space).length === 0) throw new RangeError('randomSearch: the space needs at least one parameter');
  for (const [name, spec] of Object.entries(space)) checkSpec(name, spec);
}

/** One draw of every parameter, in the space's key order. */
export function sampleParams(space: SearchSpace, rng: Rng): Params {
  const out: Params = {};
  for (const [name, s] of Object.entries(space)) {
    switch (s.type) {
      case 'logUniform':
        out[name] = Math.exp(rng.uniform(Math.log(s.min), Math.log(s.max)));
        break;
      case 'uniform':
        out[name] = rng.uniform(s.min, s.max);
        break;
      case 'int':
        out[name] = s.log
          ? Math.min(s.max, Math.max(s.min, Math.round(Math.exp(rng.uniform(Math.log(s.min), Math.log(s.max + 1)) - 0.5))))
          : s.min + rng.int(s.max - s.min + 1);
        break;
      case 'choice':
        out[name] = s.values[rng.int(s.values.length)]!;
        break;
    }
  }
  return out;
}

/**
 * Draws `trials` settings from `space` (seeded) and scores each with `objective` (higher is
 * better, e.g. a cross-validated accuracy). A non-finite score is an error: it would hide a bug.
 */
export async function randomSearch(
  space: SearchSpace,
  trials: number,
  seed: number,
  objective: (params: Params, trial: number) => number | Promise<number>,
  onTrial?: (t: SearchTrial) => void,
): Promise<SearchResult> {
  checkSearchSpace(space);
  if (!Number.isInteger(trials) || trials < 1) throw new RangeError(`randomSearch: trials must be a positive integer, got ${String(trials)}`);
  if (!Number.isInteger(seed)) throw new TypeError(`randomSearch: seed must be an integer, got ${String(seed)}`);
  if (typeof objective !== 'function') throw new TypeError('randomSearch: objective must be a function');
  const rng = new Rng(seed);
  const done: SearchTrial[] = [];
  for (let t = 0; t < trials; t++) {
    const params = sampleParams(space, rng);
    const score = await objective(params, t);
    if (typeof score !== 'number' || !Number.isFinite(score)) throw new Error(`randomSearch: trial ${t} scored ${String(score)} for ${JSON.stringify(params)}`);
    const trial = { trial: t, params, score };
    done.push(trial);
    onTrial?.(trial);
  }
  const best = done.reduce((a, b) => (b.score > a.score ? b : a));
  return { best, trials: done };
}
