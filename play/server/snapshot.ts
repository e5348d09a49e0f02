import type { RolloutStep } from '../../envs/streams/types.js';

/** The state the page shows: the step that led to it (null right after a reset) and its observation. */
export interface Snapshot<O = unknown, A = unknown> {
  step: RolloutStep<O, A> | null;
  /** The observation of the state shown (the step's next observation, or the reset observation). */
  observation: O;
  episode: number;
  /** Steps taken in this episode. */
  t: number;
  globalStep: number;
  episodeReturn: number;
}

/** Follows every step of a stream cheaply, and makes snapshots only of the steps shown. */
export interface StreamTracker<T> {
  observe(step: T): void;
  snapshotOf(step: T): Snapshot;
}

/**
 * Follows every step of a stream to know each episode's return so far, in one mutable record (no
 * object per step); `snapshotOf` makes a Snapshot only for the steps that are shown.
 */
export class EpisodeTracker implements StreamTracker<RolloutStep<unknown, unknown>> {
  private episode = -1;
  private ret = 0;

  observe(step: RolloutStep<unknown, unknown>): void {
    if (step.episodeStart || step.episode !== this.episode) {
      this.episode = step.episode;
      this.ret = 0;
    }
    this.ret += step.reward;
  }

  snapshotOf(step: RolloutStep<unknown, unknown>): Snapshot {
    return {
      step,
      observation: step.nextObservation,
      episode: step.episode,
      t: step.t + 1,
      globalStep: step.globalStep + 1,
      episodeReturn: step.episode === this.episode ? this.ret : step.reward,
    };
  }
}
