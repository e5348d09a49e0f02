// RMSProp, plain and centered. Ours rather than tf.train.rmsprop because tfjs 4.22's centered
// branch computes sqrt(ms - mg² - eps) (eps subtracted): NaN as soon as the gradient variance drops
// below eps, e.g. always with DQN's eps = 0.01. State layout matches tfjs's ([iter, rms…,
// momentum…, mg…]), so getWeights()/setWeights() stay compatible.
//
//   ms  = decay*ms + (1-decay)*g²
//   mg  = decay*mg + (1-decay)*g                           (centered only)
//   den = sqrt(ms - mg² + eps)  or  sqrt(ms + eps)         (TF1 / DeepMind: eps inside the root)
//       = sqrt(ms - mg²) + eps  or  sqrt(ms) + eps         (epsilonOutsideSqrt: PyTorch / SB3)
//   mom = momentum*mom + lr*g/den;  p -= mom
import * as tf from '@tensorflow/tfjs';
import { SlotOptimizer, type NamedTensor } from './slots.js';

export interface RMSPropOptions {
  decay?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
  epsilonOutsideSqrt?: boolean;
}

export class RMSPropOptimizer extends SlotOptimizer {
  static get className(): string {
    return 'PixelgymRMSProp';
  }

  readonly decay: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  readonly epsilonOutsideSqrt: boolean;

  constructor(
    public learningRate: number,
    options: RMSPropOptions = {},
  ) {
    const centered = options.centered ?? false;
    super(centered ? ['rms', 'momentum', 'mg'] : ['rms', 'momentum']);
    this.decay = options.decay ?? 0.9;
    this.momentum = options.momentum ?? 0;
    this.epsilon = options.epsilon ?? 1e-7;
    this.centered = centered;
    this.epsilonOutsideSqrt = options.epsilonOutsideSqrt ?? false;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    SlotOptimizer.entries(variableGradients).forEach(([name, g], i) => {
      const value = tf.engine().registeredVariables[name];
      if (!value) throw new Error(`RMSPropOptimizer: no variable named ${name}`);
      const ms = this.slot(0, i, name, value);
      const mom = this.slot(1, i, name, value);
      const mg = this.centered ? this.slot(2, i, name, value) : null;
      if (g == null) return;
      tf.tidy(() => {
        const ms2 = tf.add(tf.mul(ms, this.decay), tf.mul(tf.square(g), 1 - this.decay));
        let variance: tf.Tensor = ms2;
        if (mg) {
          const mg2 = tf.add(tf.mul(mg, this.decay), tf.mul(g, 1 - this.decay));
          // >= 0 in exact arithmetic; rounding can dip below, which would be NaN under the root.
          variance = tf.relu(tf.sub(ms2, tf.square(mg2)));
          mg.assign(mg2);
        }
        const den = this.epsilonOutsideSqrt
          ? tf.add(tf.sqrt(variance), this.epsilon)
          : tf.sqrt(tf.add(variance, this.epsilon));
        const step = tf.div(tf.mul(g, this.learningRate), den);
        const mom2 = this.momentum === 0 ? step : tf.add(tf.mul(mom, this.momentum), step);
        ms.assign(ms2);
        mom.assign(mom2);
        value.assign(tf.sub(value, mom2));
      });
    });
    this.incrementIterations();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      decay: this.decay,
      momentum: this.momentum,
      epsilon: this.epsilon,
      centered: this.centered,
      epsilonOutsideSqrt: this.epsilonOutsideSqrt,
    };
  }
}
