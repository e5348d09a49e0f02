// A variational autoencoder on frames: Kingma & Welling 2014, "Auto-encoding variational Bayes";
// β-VAE weighting from Higgins et al. 2017. cs231n ch. 12.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../envs/rng.js';
import { checkShape, convTrunk, denseDecoder, minimizeStep, perImageMse, type ConvEncoderConfig, type FrameModel } from './frameModel.js';

export interface VaeConfig extends ConvEncoderConfig {
  /** Weight of the KL term (1 = the ELBO; > 1 = β-VAE, more disentangled, blurrier). Default 1. */
  beta?: number;
  /** Seeds the reparameterization noise. Default: `seed`. */
  noiseSeed?: number;
}

export interface VaeLoss {
  /** recon + β·kl, per image. */
  loss: number;
  /** Bernoulli negative log-likelihood summed over pixels, per image. */
  recon: number;
  /** KL(q(z|x) ‖ N(0, I)), per image. */
  kl: number;
}

let counter = 0;

/** Conv encoder → (μ, log σ²) → z = μ + σ·ε → dense sigmoid decoder. */
export class ConvVae implements FrameModel {
  readonly inputShape: readonly [number, number, number];
  readonly latentSize: number;
  readonly beta: number;
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
  private readonly optimizer: tf.Optimizer;
  private readonly variables: tf.Variable[];
  private readonly rng: Rng;

  constructor(config: VaeConfig) {
    checkShape(config.inputShape, 'ConvVae');
    this.inputShape = [...config.inputShape] as [number, number, number];
    this.latentSize = config.latentSize ?? 16;
    this.beta = config.beta ?? 1;
    if (!(this.beta >= 0)) throw new RangeError('ConvVae: beta must be ≥ 0');
    const seed = config.seed ?? 0;
    this.rng = new Rng(config.noiseSeed ?? seed);
    const name = `vae${counter++}`;
    const x = tf.input({ shape: [...this.inputShape], name: `${name}_x` });
    const h = convTrunk(x, config.filters ?? [8, 16], seed, name);
    // One dense layer gives μ and log σ² side by side: [n, 2·latent].
    const stats = tf.layers.dense({ units: 2 * this.latentSize, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 50 }), name: `${name}_stats` }).apply(h) as tf.SymbolicTensor;
    this.encoder = tf.model({ inputs: x, outputs: stats, name: `${name}_encoder` });
    this.decoder = denseDecoder(this.latentSize, this.inputShape, 128, seed + 60, `${name}_decoder`);
    this.optimizer = tf.train.adam(config.learningRate ?? 1e-3);
    this.variables = [...this.encoder.trainableWeights, ...this.decoder.trainableWeights].map((w) => w.read() as tf.Variable);
  }

  private split(stats: tf.Tensor2D): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
    const [mu, logVar] = tf.split(stats, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    // Clipping log σ² keeps exp() finite in early training.
    return { mu, logVar: tf.clipByValue(logVar, -10, 10) };
  }

  private noise(n: number): tf.Tensor2D {
    const d = new Float32Array(n * this.latentSize);
    for (let i = 0; i < d.length; i++) d[i] = this.rng.normal();
    return tf.tensor2d(d, [n, this.latentSize]);
  }

  /** The posterior mean μ(x). */
  encode(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.split(this.encoder.predict(images) as tf.Tensor2D).mu);
  }

  /** Decodes μ(x) (no sampling). */
  reconstruct(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.decoder.predict(this.encode(images)) as tf.Tensor4D);
  }

  reconstructionError(images: tf.Tensor4D): Float32Array {
    const r = this.reconstruct(images);
    try {
      return perImageMse(images, r);
    } finally {
      r.dispose();
    }
  }

  /** Images from z ~ N(0, I). */
  sample(n: number): tf.Tensor4D {
    return tf.tidy(() => this.decoder.predict(this.noise(n)) as tf.Tensor4D);
  }

  private lossTerms(images: tf.Tensor4D, training: boolean): { total: tf.Scalar; recon: tf.Scalar; kl: tf.Scalar } {
    const n = images.shape[0];
    const { mu, logVar } = this.split(this.encoder.apply(images, { training }) as tf.Tensor2D);
    // Reparameterization: z = μ + σ·ε keeps the sample differentiable in μ and σ.
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), this.noise(n)));
    const p = tf.clipByValue(this.decoder.apply(z, { training }) as tf.Tensor4D, 1e-6, 1 - 1e-6);
    const nll = tf.neg(tf.add(tf.mul(images, tf.log(p)), tf.mul(tf.sub(1, images), tf.log(tf.sub(1, p)))));
    const recon = tf.div(tf.sum(nll), n) as tf.Scalar;
    // KL of a diagonal Gaussian from the standard normal: −½ Σ (1 + log σ² − μ² − σ²).
    const kl = tf.div(tf.mul(tf.sum(tf.sub(tf.add(1, logVar), tf.add(tf.square(mu), tf.exp(logVar)))), -0.5), n) as tf.Scalar;
    return { total: tf.add(recon, tf.mul(kl, this.beta)) as tf.Scalar, recon, kl };
  }

  /** The loss on a batch without training (one noise draw). */
  evaluate(images: tf.Tensor4D): VaeLoss {
    const t = tf.tidy(() => {
      const l = this.lossTerms(images, false);
      return tf.stack([l.total, l.recon, l.kl]);
    });
    const [loss, recon, kl] = Array.from(t.dataSync());
    t.dispose();
    return { loss: loss!, recon: recon!, kl: kl! };
  }

  trainStep(images: tf.Tensor4D): number {
    return minimizeStep(this.optimizer, () => this.lossTerms(images, true).total, this.variables);
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.optimizer.dispose();
  }
}
