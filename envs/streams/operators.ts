import { defer, filter, map, pipe, scan, type OperatorFunction } from 'rxjs';
import { RecentValues } from '../wrappers/recentValues.js';
import type { EpisodeSummary, RolloutStep } from './types.js';

interface Tally {
  ret: number;
  /** Whether the episode's first step was seen (a late subscriber may join mid-episode). */
  whole: boolean;
  step: RolloutStep;
}

function addStep(prev: Tally | null, step: RolloutStep): Tally {
  if (step.episodeStart || !prev || prev.step.episode !== step.episode) return { ret: step.reward, whole: step.episodeStart, step };
  return { ret: prev.ret + step.reward, whole: prev.whole, step };
}

function isWholeFinishedEpisode(t: Tally | null): t is Tally {
  return t !== null && t.step.done && t.whole;
}

function summarize(t: Tally): EpisodeSummary {
  const { episode, terminated, truncated } = t.step;
  return { episode, return: t.ret, length: t.step.t + 1, terminated, truncated };
}

/** Folds steps into one summary per finished episode; episodes whose start was not seen are left out. */
export function episodes<O, A>(): OperatorFunction<RolloutStep<O, A>, EpisodeSummary> {
  return pipe(
    scan<RolloutStep<O, A>, Tally | null>((prev, step) => addStep(prev, step as RolloutStep), null),
    filter(isWholeFinishedEpisode),
    map(summarize),
  );
}

/** The mean of the last `n` values (of fewer until n have arrived). */
export function recentMean(n: number): OperatorFunction<number, number> {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`recentMean: n must be a positive integer, got ${n}`);
  return (source) =>
    defer(() => {
      const window = new RecentValues(n);
      return source.pipe(
        map((v) => {
          window.push(v);
          return window.mean();
        }),
      );
    });
}
