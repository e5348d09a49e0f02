import type { Env, ResetOptions, ResetResult, StepResult } from '../../core.js';
import { describeValue } from '../../spaces/space.js';
import { Wrapper } from '../wrapper.js';
import { WrapperRng } from './wrapperRng.js';

export interface StickyActionsOptions {
  /** Probability of repeating the previous action instead of the new one; default 0.25 (ALE v5). */
  repeatActionProbability?: number;
}

/**
 * Sticky actions (Machado et al., 2018): with probability p the env receives the previous action
 * instead of the agent's, which defeats open-loop memorized action sequences. Seeded by reset.
 */
export class StickyActions<O = unknown, A = unknown> extends Wrapper<O, A, O, A> {
  readonly repeatActionProbability: number;
  private readonly source = new WrapperRng(0x57c1);
  private previous: { action: A } | null = null;

  constructor(env: Env<O, A>, opts: StickyActionsOptions = {}) {
    super(env);
    const p = opts.repeatActionProbability ?? 0.25;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`StickyActions: repeatActionProbability must be in [0, 1], got ${String(p)}`);
    this.repeatActionProbability = p;
  }

  override reset(opts?: ResetOptions): ResetResult<O> {
    this.source.reseed(opts);
    const r = this.env.reset(opts);
    this.previous = null;
    return r;
  }

  override step(action: A): StepResult<O> {
    // Checked before drawing, so a bad action leaves the random stream untouched.
    if (!this.env.actionSpace.contains(action))
      throw new RangeError(`StickyActions: action ${describeValue(action)} is outside the action space ${String(this.env.actionSpace)}`);
    const taken = this.previous !== null && this.source.rng.random() < this.repeatActionProbability ? this.previous.action : action;
    const r = this.env.step(taken);
    if (this.previous === null) this.previous = { action: taken };
    else this.previous.action = taken;
    return r;
  }

  /** The action the env last received (null right after reset). */
  get lastAction(): A | null {
    return this.previous === null ? null : this.previous.action;
  }
}
