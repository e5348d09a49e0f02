import type { Env } from '../core.js';
import { RewardWrapper } from './bases.js';
import { requireFunction } from './requireFunction.js';

/** Maps rewards through `fn` (Gymnasium's TransformReward), e.g. `(r) => Math.sign(r)`. */
export class TransformReward<O, A> extends RewardWrapper<O, A> {
  constructor(
    env: Env<O, A>,
    private readonly fn: (reward: number) => number,
  ) {
    super(env);
    requireFunction(fn, 'TransformReward');
  }

  reward(reward: number): number {
    return this.fn(reward);
  }
}
