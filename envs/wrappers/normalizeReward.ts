import type { Env, StepResult } from '../core.js';
import { RunningMeanStd } from './runningMeanStd.js';
import { Wrapper } from './wrapper.js';

export interface NormalizeRewardOptions {
  /** Discount of the running return whose variance scales rewards (default 0.99). */
  gamma?: number;
  /** Added to the variance before the square root (default 1e-8). */
  epsilon?: number;
  /** Whether steps update the statistics (default true). */
  updateRunningMean?: boolean;
}

/**
 * Scales rewards so that the discounted return has roughly unit variance (Gymnasium's
 * NormalizeReward, "reward scaling" of Engstrom et al.): it keeps G ← γ·G·(1 − terminated) + r,
 * tracks G's running variance, and returns r / √(var + ε). Rewards are not centred.
 */
export class NormalizeReward<O, A> extends Wrapper<O, A> {
  readonly rms = new RunningMeanStd(1);
  readonly gamma: number;
  readonly epsilon: number;
  updateRunningMean: boolean;
  /** The running discounted return G. */
  discountedReward = 0;
  private readonly sample = new Float64Array(1);

  constructor(env: Env<O, A>, options: NormalizeRewardOptions = {}) {
    super(env);
    this.gamma = options.gamma ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-8;
    if (!(this.gamma >= 0 && this.gamma <= 1)) throw new RangeError(`NormalizeReward: gamma must lie in [0, 1], got ${this.gamma}`);
    if (!(this.epsilon >= 0)) throw new RangeError(`NormalizeReward: epsilon must be non-negative, got ${this.epsilon}`);
    this.updateRunningMean = options.updateRunningMean ?? true;
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.discountedReward = this.discountedReward * this.gamma * (r.terminated ? 0 : 1) + r.reward;
    if (this.updateRunningMean) {
      this.sample[0] = this.discountedReward;
      this.rms.update(this.sample);
    }
    r.reward = r.reward / Math.sqrt(this.rms.var[0]! + this.epsilon);
    return r;
  }
}
