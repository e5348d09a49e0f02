import type { Env } from '../core.js';
import { rolloutStep } from './rolloutStep.js';
import type { RolloutStep, StepContext } from './types.js';

export interface RunSettings {
  seed: number | undefined;
  maxSteps: number;
  maxEpisodes: number;
  render: boolean;
  explore: boolean;
  yieldEverySteps: number;
  yieldEveryMs: number;
}

/**
 * The state of one rollout: steps the env on demand and knows when the run is over. `burst()`
 * yields steps lazily, so a consumer that stops pulling stops the env between two steps.
 */
export class RolloutRun<O, A> {
  finished = false;
  private observation: O | undefined = undefined;
  private needsReset = true;
  private seeded = false;
  private episodesDone = 0;
  private readonly context: StepContext;

  constructor(
    private readonly env: Env<O, A>,
    private readonly act: (observation: O, context: StepContext) => A,
    private readonly settings: RunSettings,
  ) {
    this.context = { episode: -1, t: 0, globalStep: 0, explore: settings.explore };
    this.finished = settings.maxSteps <= 0 || settings.maxEpisodes <= 0;
  }

  /** Up to `yieldEverySteps` steps, fewer once `yieldEveryMs` has passed or the run is over. */
  *burst(): Generator<RolloutStep<O, A>, void, undefined> {
    const { yieldEverySteps, yieldEveryMs } = this.settings;
    const start = performance.now();
    let lastCheck = start;
    let stride = 1;
    let nextCheck = 1;
    for (let i = 1; i <= yieldEverySteps && !this.finished; i++) {
      yield this.next();
      if (i !== nextCheck) continue;
      const now = performance.now();
      if (now - start >= yieldEveryMs) return;
      // A clock read costs about as much as a cheap env step: read it less often (up to every
      // 64 steps) while steps are fast compared with the budget; slow steps keep it at every step.
      if (now - lastCheck < yieldEveryMs / 8 && stride < 64) stride *= 2;
      lastCheck = now;
      nextCheck = i + stride;
    }
  }

  private beginEpisode(): void {
    const seed = this.seeded ? undefined : this.settings.seed;
    this.seeded = true;
    this.observation = this.env.reset(seed === undefined ? undefined : { seed }).observation;
    this.needsReset = false;
    this.context.episode++;
    this.context.t = 0;
  }

  private next(): RolloutStep<O, A> {
    if (this.needsReset) this.beginEpisode();
    const ctx = this.context;
    const observation = this.observation as O;
    const action = this.act(observation, ctx);
    const r = this.env.step(action);
    const step = rolloutStep(observation, action, r, ctx);
    if (this.settings.render) {
      const frame = this.env.render();
      if (frame) step.frame = frame;
    }
    this.observation = r.observation;
    ctx.t++;
    ctx.globalStep++;
    if (step.done) {
      this.needsReset = true;
      this.episodesDone++;
      if (this.episodesDone >= this.settings.maxEpisodes) this.finished = true;
    }
    if (ctx.globalStep >= this.settings.maxSteps) this.finished = true;
    return step;
  }
}
