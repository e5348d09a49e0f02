import type { Env, ResetOptions, ResetResult, StepResult } from '../../core.js';
import { Wrapper } from '../wrapper.js';

/** A wrapper that only maps observations, at reset and at every step (Gymnasium's ObservationWrapper). */
export abstract class ObservationWrapper<O, A, IO> extends Wrapper<O, A, IO, A> {
  constructor(env: Env<IO, A>) {
    super(env);
  }

  protected abstract observation(obs: IO): O;

  override reset(opts?: ResetOptions): ResetResult<O> {
    const r = this.env.reset(opts);
    return { observation: this.observation(r.observation), info: r.info };
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    return { observation: this.observation(r.observation), reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info };
  }
}
