import type { Env } from '../core.js';
import { Box } from '../spaces/box.js';
import type { Space } from '../spaces/space.js';
import { ObservationWrapper } from './bases.js';
import { requireBox } from './boxSpace.js';
import { RunningMeanStd } from './runningMeanStd.js';

export interface NormalizeObservationOptions {
  /** Added to the variance before the square root (default 1e-8). */
  epsilon?: number;
  /** Whether observations update the running statistics (default true); set false to freeze them for evaluation. */
  updateRunningMean?: boolean;
}

/**
 * Standardizes Box observations by a running mean and variance (Gymnasium's NormalizeObservation):
 * each observation first updates the statistics, then becomes (x − mean) / √(var + ε), as a new
 * Float32Array (observations are never aliased). The space becomes an unbounded float32 Box.
 */
export class NormalizeObservation<A> extends ObservationWrapper<Float32Array, A, ArrayLike<number>> {
  readonly rms: RunningMeanStd;
  readonly epsilon: number;
  updateRunningMean: boolean;
  private readonly space: Box;

  constructor(env: Env<ArrayLike<number>, A>, options: NormalizeObservationOptions = {}) {
    super(env);
    const inner = requireBox(env.observationSpace, 'NormalizeObservation', 'observation');
    this.epsilon = options.epsilon ?? 1e-8;
    if (!(this.epsilon >= 0)) throw new RangeError(`NormalizeObservation: epsilon must be non-negative, got ${this.epsilon}`);
    this.updateRunningMean = options.updateRunningMean ?? true;
    this.rms = new RunningMeanStd(inner.size);
    this.space = new Box(-Infinity, Infinity, inner.shape, 'float32');
  }

  /** An unbounded float32 Box (typed by what its values are: Float32Array). */
  override get observationSpace(): Space<Float32Array> {
    return this.space as unknown as Space<Float32Array>;
  }

  observation(observation: ArrayLike<number>): Float32Array {
    if (this.updateRunningMean) this.rms.update(observation);
    const { mean, var: variance } = this.rms;
    const out = new Float32Array(observation.length);
    for (let i = 0; i < out.length; i++) out[i] = (observation[i]! - mean[i]!) / Math.sqrt(variance[i]! + this.epsilon);
    return out;
  }
}
