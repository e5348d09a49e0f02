// Evaluation: run an agent for some episodes (greedy by default) and summarize the returns.
import type { Env } from '../envs/core.js';
import type { Agent } from './agent.js';

export interface EvaluateOptions {
  /** Episodes to run. Default 10. */
  episodes?: number;
  /** Seed of the first reset; later resets continue its random stream (Gymnasium's rule). Default 0. */
  seed?: number;
  /** Sample / explore instead of acting greedily. Default false. */
  explore?: boolean;
  /** Safety cap on steps per episode, for envs without a time limit. Default 100 000. */
  maxEpisodeSteps?: number;
}

export interface EvaluationResult {
  meanReturn: number;
  /** Population standard deviation of the returns. */
  stdReturn: number;
  returns: number[];
  lengths: number[];
}

/** Runs `agent` in `env` for whole episodes and returns the mean, std and every return and length. */
export function evaluate<O, A>(env: Env<O, A>, agent: Agent<O, A> & { resetEpisode?(): void }, opts: EvaluateOptions = {}): EvaluationResult {
  const episodes = opts.episodes ?? 10;
  if (!Number.isInteger(episodes) || episodes < 1) throw new RangeError(`evaluate: episodes must be a positive integer, got ${String(opts.episodes)}`);
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new TypeError(`evaluate: seed must be an integer, got ${String(opts.seed)}`);
  const cap = opts.maxEpisodeSteps ?? 100_000;
  const explore = opts.explore ?? false;
  const returns: number[] = [];
  const lengths: number[] = [];
  for (let ep = 0; ep < episodes; ep++) {
    let { observation } = env.reset(ep === 0 ? { seed } : undefined);
    agent.resetEpisode?.();
    let ret = 0;
    let len = 0;
    for (;;) {
      const r = env.step(agent.act(observation, { explore }));
      ret += r.reward;
      len++;
      observation = r.observation;
      if (r.terminated || r.truncated || len >= cap) break;
    }
    returns.push(ret);
    lengths.push(len);
  }
  const meanReturn = returns.reduce((a, b) => a + b, 0) / episodes;
  const stdReturn = Math.sqrt(returns.reduce((a, b) => a + (b - meanReturn) ** 2, 0) / episodes);
  return { meanReturn, stdReturn, returns, lengths };
}
