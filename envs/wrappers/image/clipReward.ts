import type { Env, StepResult } from '../../core.js';
import { Wrapper } from '../wrapper.js';

export interface ClipRewardOptions {
  /** Lower bound; with neither bound given the reward becomes its sign. */
  min?: number;
  max?: number;
}

/**
 * Clips rewards: to their sign (−1, 0, 1) by default, as DQN did so one learning rate suits every
 * game, or to [min, max] when a bound is given.
 */
export class ClipReward<O = unknown, A = unknown> extends Wrapper<O, A, O, A> {
  readonly mode: 'sign' | 'clip';
  readonly min: number;
  readonly max: number;

  constructor(env: Env<O, A>, opts: ClipRewardOptions = {}) {
    super(env);
    const { min, max } = opts;
    this.mode = min === undefined && max === undefined ? 'sign' : 'clip';
    this.min = min ?? -Infinity;
    this.max = max ?? Infinity;
    if (Number.isNaN(this.min) || Number.isNaN(this.max) || this.min > this.max)
      throw new RangeError(`ClipReward: need min ≤ max, got [${String(min)}, ${String(max)}]`);
  }

  /** The clipped value of one reward. */
  clip(reward: number): number {
    return this.mode === 'sign' ? Math.sign(reward) : Math.min(this.max, Math.max(this.min, reward));
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    r.reward = this.clip(r.reward);
    return r;
  }
}
