import type { ResetOptions, ResetResult, StepResult } from '../core.js';
import { Wrapper } from './wrapper.js';

// The results of the inner env are changed in place (no new object per step): a result belongs to
// the caller of `step`, and every env returns a fresh one.

/** Maps every observation (from reset and step) through `observation()`. */
export abstract class ObservationWrapper<O, A, IO = O> extends Wrapper<O, A, IO, A> {
  abstract observation(observation: IO): O;

  override reset(opts?: ResetOptions): ResetResult<O> {
    const r = this.env.reset(opts) as unknown as ResetResult<unknown>;
    r.observation = this.observation(r.observation as IO);
    return r as ResetResult<O>;
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action) as unknown as StepResult<unknown>;
    r.observation = this.observation(r.observation as IO);
    return r as StepResult<O>;
  }
}

/** Maps every action through `action()` before the inner env sees it. */
export abstract class ActionWrapper<O, A, IA = A> extends Wrapper<O, A, O, IA> {
  abstract action(action: A): IA;

  override step(action: A): StepResult<O> {
    return this.env.step(this.action(action));
  }
}

/** Maps every reward through `reward()`. */
export abstract class RewardWrapper<O, A> extends Wrapper<O, A> {
  abstract reward(reward: number): number;

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    r.reward = this.reward(r.reward);
    return r;
  }
}
