// Typed optimizer configs and makeOptimizer. Defaults follow tfjs / TF except Adam's epsilon (1e-8,
// as in the Adam paper, PyTorch and SB3, where tfjs would use 1e-7).
import * as tf from '@tensorflow/tfjs';
import { FusedAdamOptimizer } from './fused_adam.js';
import { RMSPropOptimizer } from './rmsprop.js';

export interface SgdConfig {
  type: 'sgd';
  learningRate: number;
}

export interface MomentumConfig {
  type: 'momentum';
  learningRate: number;
  momentum: number;
  nesterov?: boolean;
}

export interface AdagradConfig {
  type: 'adagrad';
  learningRate: number;
  /** Starting accumulator value (default 0.1, as tfjs/TF). */
  initialAccumulatorValue?: number;
}

export interface RmspropConfig {
  type: 'rmsprop';
  learningRate: number;
  /** Decay of the running means of g² (and of g when centered). Default 0.9. */
  decay?: number;
  /** Classical momentum on the update. Default 0. */
  momentum?: number;
  /** Default 1e-7. Added under the square root unless epsilonOutsideSqrt. */
  epsilon?: number;
  /** Divide by the running standard deviation instead of the RMS (Graves 2013). Default false. */
  centered?: boolean;
  /** PyTorch's (and SB3's) placement, sqrt(ms) + eps, instead of TF's sqrt(ms + eps). Default false. */
  epsilonOutsideSqrt?: boolean;
}

export interface AdamConfig {
  type: 'adam';
  learningRate: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  epsilon?: number;
  /**
   * Few kernels instead of ~14 per variable (same arithmetic, same state layout as tf.train.adam): one
   * kernel for all variables of a small net on wasm and cpu, else one SIMD kernel per variable on wasm;
   * elsewhere plain ops. Default true; false gives tf.train.adam.
   */
  fused?: boolean;
}

export type OptimizerConfig = SgdConfig | MomentumConfig | AdagradConfig | RmspropConfig | AdamConfig;

/**
 * DQN's optimizer (Mnih et al. 2015, Nature, Extended Data Table 1; DeepMind's released code):
 * learning rate 0.00025; "gradient momentum" 0.95 and "squared gradient momentum" 0.95 are the
 * decays of the running means of g and g² in centered RMSProp, not classical momentum, so
 * decay = 0.95 and momentum = 0; "min squared gradient" 0.01 is added to E[g²] - E[g]² under the
 * square root, so epsilon = 0.01 inside the root. Both decays are 0.95, which is why one `decay` fits.
 */
export const rmspropDqnNature: Readonly<RmspropConfig> = Object.freeze({
  type: 'rmsprop',
  learningRate: 0.00025,
  decay: 0.95,
  momentum: 0,
  epsilon: 0.01,
  centered: true,
});

/**
 * MinAtar's DQN example: torch.optim.RMSprop(lr=0.00025, alpha=0.95, eps=0.01, centered=True), i.e.
 * the same numbers as DQN's with PyTorch's epsilon placement (outside the root).
 */
export const rmspropMinAtar: Readonly<RmspropConfig> = Object.freeze({
  type: 'rmsprop',
  learningRate: 0.00025,
  decay: 0.95,
  momentum: 0,
  epsilon: 0.01,
  centered: true,
  epsilonOutsideSqrt: true,
});

function positive(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
    throw new Error(`makeOptimizer: ${name} must be a finite number >= 0, got ${String(v)}`);
  }
}

function fraction(name: string, v: number | undefined): void {
  if (v !== undefined && !(v >= 0 && v < 1)) throw new Error(`makeOptimizer: ${name} must be in [0, 1), got ${String(v)}`);
}

export function makeOptimizer(config: OptimizerConfig): tf.Optimizer {
  positive('learningRate', config.learningRate);
  switch (config.type) {
    case 'sgd':
      return tf.train.sgd(config.learningRate);
    case 'momentum':
      positive('momentum', config.momentum);
      return tf.train.momentum(config.learningRate, config.momentum, config.nesterov ?? false);
    case 'adagrad':
      positive('initialAccumulatorValue', config.initialAccumulatorValue);
      return tf.train.adagrad(config.learningRate, config.initialAccumulatorValue ?? 0.1);
    case 'rmsprop': {
      fraction('decay', config.decay);
      positive('momentum', config.momentum);
      positive('epsilon', config.epsilon);
      const options = {
        ...(config.decay !== undefined && { decay: config.decay }),
        ...(config.momentum !== undefined && { momentum: config.momentum }),
        ...(config.epsilon !== undefined && { epsilon: config.epsilon }),
        ...(config.centered !== undefined && { centered: config.centered }),
        ...(config.epsilonOutsideSqrt !== undefined && { epsilonOutsideSqrt: config.epsilonOutsideSqrt }),
      };
      return new RMSPropOptimizer(config.learningRate, options);
    }
    case 'adam': {
      fraction('beta1', config.beta1);
      fraction('beta2', config.beta2);
      positive('epsilon', config.epsilon);
      const [b1, b2, eps] = [config.beta1 ?? 0.9, config.beta2 ?? 0.999, config.epsilon ?? 1e-8];
      if (config.fused === false) return tf.train.adam(config.learningRate, b1, b2, eps);
      return new FusedAdamOptimizer(config.learningRate, b1, b2, eps);
    }
    default: {
      const never: never = config;
      throw new Error(`makeOptimizer: unknown optimizer type ${JSON.stringify((never as { type?: unknown }).type)}`);
    }
  }
}

/**
 * Sets the learning rate of an optimizer from makeOptimizer or tf.train (for schedules). tfjs's SGD
 * and momentum cache -lr in a tensor and offer setLearningRate(); the others read a protected
 * `learningRate` field, which ours expose publicly.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  positive('learningRate', learningRate);
  const o = optimizer as unknown as { learningRate?: unknown; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') {
    o.setLearningRate(learningRate);
    return;
  }
  if (typeof o.learningRate !== 'number') throw new Error(`setLearningRate: ${optimizer.getClassName()} has no learning rate`);
  o.learningRate = learningRate;
}
