// attachViewer: show a training run in progress. The run's step stream carries every training env
// per step (TrainStep); one env is shown. Nothing here may slow training: each step costs a few
// additions until a page is connected and a frame is due.
import type { Observable } from 'rxjs';
import type { Agent } from '../../agents/agent.js';
import type { TrainStep } from '../../agents/types.js';
import type { Env } from '../../envs/core.js';
import type { RolloutStep } from '../../envs/streams/types.js';
import type { MetricRecord } from './metrics.js';
import type { ViewerOptions } from './options.js';
import type { Snapshot, StreamTracker } from './snapshot.js';
import { streamSource } from './sources.js';
import { launchViewer, type ViewerHandle } from './viewerServer.js';

/** What a training run offers the viewer (agents/train.ts's run handle has these members). */
export interface AttachableRun<O = unknown, A = unknown> {
  /** Every step of all training envs; hot (the run steps whether or not anyone listens). */
  readonly steps$: Observable<TrainStep<O, A>>;
  /** Metric records as the run logs them (losses, returns, …) for the learning curve. */
  readonly metrics$?: Observable<MetricRecord>;
  /** The learning agent: its explain() gives the Q-values / probabilities shown. */
  readonly agent?: Agent<O, A>;
  /** The training envs (for scene()/render() of the env shown), when the run has them in this process. */
  readonly envs?: readonly Env<O, A>[];
}

export type AttachOptions<O = unknown, A = unknown> = Omit<ViewerOptions<O, A>, 'mode' | 'steps$' | 'policy' | 'seed' | 'stepsPerSecond' | 'paused' | 'recorder' | 'recordPath'> & {
  /** Which training env to show (default 0). */
  envIndex?: number;
};

/** Follows one env of a TrainStep stream: its episode, step and return, in a few numbers. */
export class TrainStepTracker<O, A> implements StreamTracker<TrainStep<O, A>> {
  private episode = 0;
  private t = 0;
  private ret = 0;
  private startNext = true;

  constructor(private readonly envIndex: number) {}

  observe(s: TrainStep<O, A>): void {
    const i = this.envIndex;
    if (this.startNext) {
      this.t = 0;
      this.ret = 0;
      this.startNext = false;
    }
    this.t++;
    this.ret += s.rewards[i] ?? 0;
    if (s.terminated[i] || s.truncated[i]) {
      this.startNext = true;
      this.episode++;
    }
  }

  snapshotOf(s: TrainStep<O, A>): Snapshot {
    const i = this.envIndex;
    const terminated = s.terminated[i] === 1;
    const truncated = s.truncated[i] === 1;
    const done = terminated || truncated;
    const episode = done ? this.episode - 1 : this.episode;
    const step: RolloutStep = {
      observation: s.observations[i],
      action: s.actions[i],
      reward: s.rewards[i] ?? 0,
      terminated,
      truncated,
      info: {},
      nextObservation: s.nextObservations[i],
      episode,
      t: this.t - 1,
      globalStep: s.globalStep - 1,
      episodeStart: this.t === 1,
      done,
    };
    return { step, observation: s.nextObservations[i], episode, t: this.t, globalStep: s.globalStep, episodeReturn: this.ret };
  }
}

/**
 * Starts a viewer on a training run in progress (stream mode). Frames go only to pages that keep
 * up, at most `maxSendFps` a second; the run never waits for a page. `close()` detaches.
 */
export function attachViewer<O, A>(run: AttachableRun<O, A>, options: AttachOptions<O, A> = {}): Promise<ViewerHandle> {
  if (!run || typeof run.steps$?.subscribe !== 'function') throw new TypeError('attachViewer: the run must have a steps$ Observable');
  const envIndex = options.envIndex ?? 0;
  if (!Number.isInteger(envIndex) || envIndex < 0) throw new RangeError(`attachViewer: envIndex must be a non-negative integer, got ${String(envIndex)}`);
  const { envIndex: _ignored, ...rest } = options;
  const env = options.env ?? run.envs?.[envIndex] ?? null;
  const viewerOptions: ViewerOptions<O, A> = {
    ...rest,
    mode: 'stream',
    env,
    agent: options.agent ?? run.agent ?? null,
  };
  if (run.metrics$ && !options.metrics$) viewerOptions.metrics$ = run.metrics$;
  return launchViewer(viewerOptions, (hasClients, gate) => streamSource(run.steps$, new TrainStepTracker<O, A>(envIndex), hasClients, gate));
}
