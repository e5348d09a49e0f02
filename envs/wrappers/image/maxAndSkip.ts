import type { Env, Info, ResetOptions, ResetResult, StepResult } from '../../core.js';
import type { BoxArray } from '../../spaces/box.js';
import { Wrapper } from '../wrapper.js';
import { allocLike, boxDTypeOf, checkLength } from './pixelSpace.js';

export interface MaxAndSkipOptions {
  /** Times each action is repeated; default 4. */
  skip?: number;
}

/**
 * Repeats each action `skip` times (stopping early when the episode ends), sums the rewards, and
 * observes the elementwise max of the last two frames: Atari sprites drawn only every other frame
 * then still show.
 */
export class MaxAndSkip<O extends BoxArray = Uint8Array, A = unknown> extends Wrapper<O, A, O, A> {
  readonly skip: number;
  private readonly size: number;
  private readonly dtype;
  /** The two latest raw frames, copied (the env may reuse its buffer). */
  private previous: O;
  private latest: O;

  constructor(env: Env<O, A>, opts: MaxAndSkipOptions = {}) {
    super(env);
    const skip = opts.skip ?? 4;
    if (!Number.isInteger(skip) || skip < 1) throw new RangeError(`MaxAndSkip: skip must be a positive integer, got ${String(skip)}`);
    this.skip = skip;
    this.dtype = boxDTypeOf(env.observationSpace, 'MaxAndSkip');
    this.size = env.observationSpace.size;
    this.previous = allocLike<O>(this.dtype, this.size);
    this.latest = allocLike<O>(this.dtype, this.size);
  }

  override reset(opts?: ResetOptions): ResetResult<O> {
    const r = this.env.reset(opts);
    checkLength(r.observation, this.size, 'MaxAndSkip');
    this.previous.set(r.observation);
    this.latest.set(r.observation);
    return { observation: this.maxFrame(), info: r.info };
  }

  override step(action: A): StepResult<O> {
    let total = 0;
    let terminated = false;
    let truncated = false;
    let info: Info = {};
    for (let i = 0; i < this.skip; i++) {
      const r = this.env.step(action);
      checkLength(r.observation, this.size, 'MaxAndSkip');
      total += r.reward;
      const t = this.previous;
      this.previous = this.latest;
      this.latest = t;
      this.latest.set(r.observation);
      ({ terminated, truncated, info } = r);
      if (terminated || truncated) break;
    }
    return { observation: this.maxFrame(), reward: total, terminated, truncated, info };
  }

  private maxFrame(): O {
    const out = allocLike<O>(this.dtype, this.size);
    const a = this.previous;
    const b = this.latest;
    for (let i = 0; i < out.length; i++) out[i] = a[i]! > b[i]! ? a[i]! : b[i]!;
    return out;
  }
}
