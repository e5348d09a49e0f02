// A small GAN on frames: Goodfellow et al. 2014, "Generative adversarial nets", with the
// non-saturating generator loss −log D(G(z)). cs231n ch. 12.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../envs/rng.js';
import { checkShape, convTrunk, denseDecoder } from './frameModel.js';

export interface GanConfig {
  /** Frame height × width × channels; data in [0, 1]. */
  inputShape: readonly [number, number, number];
  /** Noise dimension. Default 16. */
  latentSize?: number;
  /** Generator hidden width. Default 128. */
  generatorHidden?: number;
  /** Discriminator conv filters (3×3 stride 2). Default [8, 16]. */
  discriminatorFilters?: readonly number[];
  /** Adam learning rate of both players (β₁ = 0.5, as DCGAN). Default 2e-3. */
  learningRate?: number;
  /** Default 0 (weights and noise). */
  seed?: number;
}

export interface GanLosses {
  discriminator: number;
  generator: number;
}

let counter = 0;

/** Conv discriminator → `outputs` logits (default 1): the shared recipe of the GAN and the GAIL reward model. */
export function convDiscriminator(shape: readonly [number, number, number], filters: readonly number[], hidden: number, seed: number, extraInputs: number, name: string, outputs = 1, strides?: readonly number[]): tf.LayersModel {
  const x = tf.input({ shape: [...shape], name: `${name}_x` });
  let h = convTrunk(x, filters, seed, name, strides);
  const inputs = [x];
  if (extraInputs > 0) {
    const a = tf.input({ shape: [extraInputs], name: `${name}_extra` });
    inputs.push(a);
    h = tf.layers.concatenate({ name: `${name}_concat` }).apply([h, a]) as tf.SymbolicTensor;
  }
  h = tf.layers.dense({ units: hidden, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 40 }), name: `${name}_hidden` }).apply(h) as tf.SymbolicTensor;
  const logit = tf.layers.dense({ units: outputs, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 41 }), name: `${name}_logit` }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs, outputs: logit, name });
}

/** Binary cross-entropy from logits, averaged: softplus(−l) for label 1, softplus(l) for 0. */
export function bceWithLogits(logits: tf.Tensor, label: 0 | 1): tf.Scalar {
  return tf.mean(tf.softplus(label === 1 ? tf.neg(logits) : logits)) as tf.Scalar;
}

export class FrameGan {
  readonly inputShape: readonly [number, number, number];
  readonly latentSize: number;
  readonly generator: tf.LayersModel;
  readonly discriminator: tf.LayersModel;
  private readonly gOpt: tf.Optimizer;
  private readonly dOpt: tf.Optimizer;
  private readonly gVars: tf.Variable[];
  private readonly dVars: tf.Variable[];
  private readonly rng: Rng;

  constructor(config: GanConfig) {
    checkShape(config.inputShape, 'FrameGan');
    this.inputShape = [...config.inputShape] as [number, number, number];
    this.latentSize = config.latentSize ?? 16;
    const seed = config.seed ?? 0;
    const name = `gan${counter++}`;
    this.rng = new Rng(seed);
    this.generator = denseDecoder(this.latentSize, this.inputShape, config.generatorHidden ?? 128, seed + 1, `${name}_g`);
    this.discriminator = convDiscriminator(this.inputShape, config.discriminatorFilters ?? [8, 16], 64, seed + 10, 0, `${name}_d`);
    const lr = config.learningRate ?? 2e-3;
    this.gOpt = tf.train.adam(lr, 0.5);
    this.dOpt = tf.train.adam(lr, 0.5);
    this.gVars = this.generator.trainableWeights.map((w) => w.read() as tf.Variable);
    this.dVars = this.discriminator.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  private noise(n: number): tf.Tensor2D {
    const d = new Float32Array(n * this.latentSize);
    for (let i = 0; i < d.length; i++) d[i] = this.rng.normal();
    return tf.tensor2d(d, [n, this.latentSize]);
  }

  /** n generated frames. */
  sample(n: number): tf.Tensor4D {
    return tf.tidy(() => this.generator.predict(this.noise(n)) as tf.Tensor4D);
  }

  /** One discriminator step then one generator step on a batch of real frames. */
  trainStep(real: tf.Tensor4D): GanLosses {
    const n = real.shape[0];
    const z1 = this.noise(n);
    const z2 = this.noise(n);
    try {
      const d = this.dOpt.minimize(
        () => {
          const fake = this.generator.apply(z1) as tf.Tensor4D;
          return tf.add(bceWithLogits(this.discriminator.apply(real) as tf.Tensor, 1), bceWithLogits(this.discriminator.apply(fake) as tf.Tensor, 0)) as tf.Scalar;
        },
        true,
        this.dVars,
      )!;
      // Non-saturating: maximize log D(G(z)) instead of minimizing log(1 − D(G(z))).
      const g = this.gOpt.minimize(() => bceWithLogits(this.discriminator.apply(this.generator.apply(z2)) as tf.Tensor, 1), true, this.gVars)!;
      const out = { discriminator: d.dataSync()[0]!, generator: g.dataSync()[0]! };
      d.dispose();
      g.dispose();
      return out;
    } finally {
      z1.dispose();
      z2.dispose();
    }
  }

  dispose(): void {
    this.generator.dispose();
    this.discriminator.dispose();
    this.gOpt.dispose();
    this.dOpt.dispose();
  }
}
