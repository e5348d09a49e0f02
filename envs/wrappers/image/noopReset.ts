import type { Env, ResetOptions, ResetResult } from '../../core.js';
import { describeValue } from '../../spaces/space.js';
import { Wrapper } from '../wrapper.js';
import { WrapperRng } from './wrapperRng.js';

export interface NoopResetOptions<A> {
  /** Up to this many no-ops (uniform in 1..noopMax) after each reset; 0 disables. Default 30. */
  noopMax?: number;
  /** The no-op action; default 0. */
  noopAction?: A;
}

/**
 * Takes a random number of no-op actions after reset, so episodes start from varied states
 * (Mnih et al., 2015). Seeded by reset's seed. If the episode ends during the no-ops the env is
 * reset again (without the seed) and the no-ops go on.
 */
export class NoopReset<O = unknown, A = unknown> extends Wrapper<O, A, O, A> {
  readonly noopMax: number;
  readonly noopAction: A;
  private readonly source = new WrapperRng(0x4e00);
  private noops = 0;

  constructor(env: Env<O, A>, opts: NoopResetOptions<A> = {}) {
    super(env);
    const noopMax = opts.noopMax ?? 30;
    if (!Number.isInteger(noopMax) || noopMax < 0) throw new RangeError(`NoopReset: noopMax must be a non-negative integer, got ${String(noopMax)}`);
    const noop = opts.noopAction ?? (0 as A);
    if (!env.actionSpace.contains(noop))
      throw new RangeError(`NoopReset: noopAction ${describeValue(noop)} is outside the action space ${String(env.actionSpace)}`);
    this.noopMax = noopMax;
    this.noopAction = noop;
  }

  /** How many no-ops the last reset took. */
  get noopsAtReset(): number {
    return this.noops;
  }

  override reset(opts?: ResetOptions): ResetResult<O> {
    this.source.reseed(opts);
    let r = this.env.reset(opts);
    this.noops = this.noopMax > 0 ? 1 + this.source.rng.int(this.noopMax) : 0;
    for (let i = 0; i < this.noops; i++) {
      const s = this.env.step(this.noopAction);
      r = s.terminated || s.truncated ? this.env.reset(opts?.options ? { options: opts.options } : undefined) : { observation: s.observation, info: s.info };
    }
    return r;
  }
}
