import type { Info } from '../core.js';
import type { Frame } from '../render/scene.js';

/** One environment step as `rollout$` emits it. */
export interface RolloutStep<O = unknown, A = unknown> {
  /** The observation the action was chosen on. */
  observation: O;
  action: A;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
  /** The observation the step returned (the final one when the episode ended here). */
  nextObservation: O;
  /** Episode index within this run, from 0. */
  episode: number;
  /** Step index within the episode, from 0. */
  t: number;
  /** Step index within the whole run, from 0. */
  globalStep: number;
  /** The first step of an episode (t = 0). */
  episodeStart: boolean;
  /** The last step of an episode (terminated or truncated). */
  done: boolean;
  /** The rendered frame after the step, when the rollout renders. */
  frame?: Frame;
}

/** What a policy function sees besides the observation. One object per run, updated in place: do not keep it. */
export interface StepContext {
  episode: number;
  t: number;
  globalStep: number;
  explore: boolean;
}

/** An agent-like policy: `act(observation, { explore })`. */
export interface Actor<O, A> {
  act(observation: O, opts: { explore: boolean }): A;
}

/** A function of the observation (and the step context), or an object with `act`. */
export type Policy<O, A> = ((observation: O, context: StepContext) => A) | Actor<O, A>;

export interface RolloutOptions {
  /** Seed of the first reset; later resets are unseeded and continue its random stream (Gymnasium's rule). */
  seed?: number;
  /** Stop after this many steps in all. */
  maxSteps?: number;
  /** Stop after this many finished episodes. */
  maxEpisodes?: number;
  /** Attach `env.render()` to every step as `frame`. */
  render?: boolean;
  /** Passed to an Actor's act() (default true). */
  explore?: boolean;
  /** Yield to the event loop after at most this many steps (default 1000)… */
  yieldEverySteps?: number;
  /** …or after this many milliseconds of stepping, whichever comes first (default 10). */
  yieldEveryMs?: number;
}

/** One finished episode, as `episodes()` reports it. */
export interface EpisodeSummary {
  episode: number;
  return: number;
  length: number;
  terminated: boolean;
  truncated: boolean;
}
