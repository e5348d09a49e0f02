// A convolutional autoencoder on frames (cs231n ch. 12, "Generative models": autoencoders learn a
// compressed code by reconstructing their input).
import * as tf from '@tensorflow/tfjs';
import { checkShape, convTrunk, denseDecoder, minimizeStep, perImageMse, type ConvEncoderConfig, type FrameModel } from './frameModel.js';

export type AutoencoderConfig = ConvEncoderConfig;

let counter = 0;

/** Conv encoder → latent (linear) → dense decoder; trained with mean squared error. */
export class ConvAutoencoder implements FrameModel {
  readonly inputShape: readonly [number, number, number];
  readonly latentSize: number;
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
  private readonly optimizer: tf.Optimizer;
  private readonly variables: tf.Variable[];

  constructor(config: AutoencoderConfig) {
    checkShape(config.inputShape, 'ConvAutoencoder');
    this.inputShape = [...config.inputShape] as [number, number, number];
    this.latentSize = config.latentSize ?? 16;
    const seed = config.seed ?? 0;
    const name = `ae${counter++}`;
    const x = tf.input({ shape: [...this.inputShape], name: `${name}_x` });
    const h = convTrunk(x, config.filters ?? [8, 16], seed, name);
    const z = tf.layers.dense({ units: this.latentSize, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 50 }), name: `${name}_z` }).apply(h) as tf.SymbolicTensor;
    this.encoder = tf.model({ inputs: x, outputs: z, name: `${name}_encoder` });
    this.decoder = denseDecoder(this.latentSize, this.inputShape, 128, seed + 60, `${name}_decoder`);
    this.optimizer = tf.train.adam(config.learningRate ?? 1e-3);
    this.variables = [...this.encoder.trainableWeights, ...this.decoder.trainableWeights].map((w) => w.read() as tf.Variable);
  }

  encode(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.encoder.predict(images) as tf.Tensor2D);
  }

  reconstruct(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.decoder.predict(this.encoder.predict(images) as tf.Tensor2D) as tf.Tensor4D);
  }

  reconstructionError(images: tf.Tensor4D): Float32Array {
    const r = this.reconstruct(images);
    try {
      return perImageMse(images, r);
    } finally {
      r.dispose();
    }
  }

  trainStep(images: tf.Tensor4D): number {
    return minimizeStep(
      this.optimizer,
      () => tf.mean(tf.squaredDifference(this.decoder.apply(this.encoder.apply(images)) as tf.Tensor4D, images)) as tf.Scalar,
      this.variables,
    );
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.optimizer.dispose();
  }
}
