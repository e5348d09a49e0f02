import type { Env, ResetOptions, ResetResult } from '../../core.js';
import type { BoxArray } from '../../spaces/box.js';
import type { BoxDType } from '../../spaces/space.js';
import { ObservationWrapper } from './observationWrapper.js';
import { allocLike, boxDTypeOf } from './pixelSpace.js';
import { WrapperRng } from './wrapperRng.js';

export interface FlickerOptions {
  /** Probability that an observation is blanked; default 0.5 (Hausknecht & Stone's flickering Pong). */
  probability?: number;
}

/**
 * Blanks each observation to zeros with probability p: a partially observed task, where memory
 * (frame stacks, recurrent nets) pays off. Seeded by reset's seed.
 */
export class Flicker<O extends BoxArray = Uint8Array, A = unknown> extends ObservationWrapper<O, A, O> {
  readonly probability: number;
  private readonly source = new WrapperRng(0xf11c);
  private readonly dtype: BoxDType;
  private readonly size: number;

  constructor(env: Env<O, A>, opts: FlickerOptions = {}) {
    super(env);
    const p = opts.probability ?? 0.5;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Flicker: probability must be in [0, 1], got ${String(p)}`);
    this.probability = p;
    this.dtype = boxDTypeOf(env.observationSpace, 'Flicker');
    this.size = env.observationSpace.size;
    const space = env.observationSpace as unknown as { low?: Float64Array; high?: Float64Array };
    if (space.low?.some((v, i) => v > 0 || space.high![i]! < 0)) throw new RangeError('Flicker: zeros must lie inside the observation space');
  }

  override reset(opts?: ResetOptions): ResetResult<O> {
    this.source.reseed(opts);
    return super.reset(opts);
  }

  protected observation(obs: O): O {
    // A fresh blank: a shared one could be written to by whoever holds an earlier observation.
    return this.source.rng.random() < this.probability ? allocLike<O>(this.dtype, this.size) : obs;
  }
}
