import type { StepResult } from '../core.js';
import type { RolloutStep } from './types.js';

/** Where a step falls in a run: its episode, its index in the episode and in the run. */
export interface StepPosition {
  episode: number;
  t: number;
  globalStep: number;
}

/** The `RolloutStep` record of one env.step: what rollout$ emits and the viewer's stepper sends. */
export function rolloutStep<O, A>(observation: O, action: A, r: StepResult<O>, at: StepPosition): RolloutStep<O, A> {
  return {
    observation,
    action,
    reward: r.reward,
    terminated: r.terminated,
    truncated: r.truncated,
    info: r.info,
    nextObservation: r.observation,
    episode: at.episode,
    t: at.t,
    globalStep: at.globalStep,
    episodeStart: at.t === 0,
    done: r.terminated || r.truncated,
  };
}
