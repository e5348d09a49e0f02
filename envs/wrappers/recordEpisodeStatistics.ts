import type { Env, ResetOptions, ResetResult, StepResult } from '../core.js';
import { RecentValues } from './recentValues.js';
import { Wrapper } from './wrapper.js';

/** What `info.episode` holds at the end of an episode (Gymnasium's keys). */
export interface EpisodeStatistics {
  /** Return: the sum of rewards. */
  r: number;
  /** Length in steps. */
  l: number;
  /** Wall-clock seconds since the episode's reset, rounded to microseconds. */
  t: number;
}

export interface RecordEpisodeStatisticsOptions {
  /** How many recent episodes the queues keep (default 100). */
  bufferLength?: number;
  /** The info key for the statistics (default 'episode'). */
  statsKey?: string;
}

/**
 * Tracks each episode's return, length and duration; at the episode's last step puts them into
 * `info[statsKey]` as `{ r, l, t }` and into the queues of recent episodes (Gymnasium's wrapper).
 */
export class RecordEpisodeStatistics<O, A> extends Wrapper<O, A> {
  readonly returnQueue: RecentValues;
  readonly lengthQueue: RecentValues;
  readonly timeQueue: RecentValues;
  readonly statsKey: string;
  episodeCount = 0;
  private episodeReturn = 0;
  private episodeLength = 0;
  private episodeStart = performance.now();

  constructor(env: Env<O, A>, options: RecordEpisodeStatisticsOptions = {}) {
    super(env);
    const bufferLength = options.bufferLength ?? 100;
    this.statsKey = options.statsKey ?? 'episode';
    if (typeof this.statsKey !== 'string' || this.statsKey.length === 0) throw new TypeError('RecordEpisodeStatistics: statsKey must be a non-empty string');
    this.returnQueue = new RecentValues(bufferLength);
    this.lengthQueue = new RecentValues(bufferLength);
    this.timeQueue = new RecentValues(bufferLength);
  }

  override reset(opts?: ResetOptions): ResetResult<O> {
    const r = this.env.reset(opts);
    this.episodeStart = performance.now();
    this.episodeReturn = 0;
    this.episodeLength = 0;
    return r;
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.episodeReturn += r.reward;
    this.episodeLength++;
    if (r.terminated || r.truncated) {
      if (r.info && this.statsKey in r.info)
        throw new Error(`RecordEpisodeStatistics: info already has a '${this.statsKey}' key (wrapped twice?); pass another statsKey`);
      const stats: EpisodeStatistics = {
        r: this.episodeReturn,
        l: this.episodeLength,
        t: Math.round((performance.now() - this.episodeStart) * 1000) / 1e6,
      };
      // A new info object: the inner env may hand out a shared one.
      r.info = { ...r.info, [this.statsKey]: stats };
      this.returnQueue.push(stats.r);
      this.lengthQueue.push(stats.l);
      this.timeQueue.push(stats.t);
      this.episodeCount++;
      this.episodeStart = performance.now();
    }
    return r;
  }
}
