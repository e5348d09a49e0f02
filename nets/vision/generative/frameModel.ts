// What the novelty bonuses need of a frame model: a latent code, a per-frame reconstruction error
// and an online training step. Images are float32 [n, h, w, c] in [0, 1].
import * as tf from '@tensorflow/tfjs';

export interface FrameModel {
  /** Input height × width × channels. */
  readonly inputShape: readonly [number, number, number];
  readonly latentSize: number;
  /** Latent features [n, latent] (the VAE's mean): agent features or episodic-memory keys. */
  encode(images: tf.Tensor4D): tf.Tensor2D;
  /** Mean squared reconstruction error per image. */
  reconstructionError(images: tf.Tensor4D): Float32Array;
  /** One optimizer step on a batch; returns the loss. */
  trainStep(images: tf.Tensor4D): number;
  dispose(): void;
}

/** One optimizer step on `loss` over `variables`; returns the loss as a number (its tensor disposed). */
export function minimizeStep(optimizer: tf.Optimizer, loss: () => tf.Scalar, variables: tf.Variable[]): number {
  const t = optimizer.minimize(loss, true, variables)!;
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}

/** Shared trunk settings of the conv encoders here. */
export interface ConvEncoderConfig {
  inputShape: readonly [number, number, number];
  /** Filters of the 3×3 stride-2 valid convs. Default [8, 16]. */
  filters?: readonly number[];
  /** Default 16. */
  latentSize?: number;
  /** Adam learning rate. Default 1e-3. */
  learningRate?: number;
  /** Weight-initialization seed. Default 0. */
  seed?: number;
}

/** Conv (3×3, valid, relu; stride 2 unless `strides` says) layers then flatten: the encoders' trunk. */
export function convTrunk(input: tf.SymbolicTensor, filters: readonly number[], seed: number, name: string, strides?: readonly number[]): tf.SymbolicTensor {
  let h = input;
  filters.forEach((f, i) => {
    h = tf.layers.conv2d({ filters: f, kernelSize: 3, strides: strides?.[i] ?? 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }), name: `${name}_conv${i}` }).apply(h) as tf.SymbolicTensor;
  });
  return tf.layers.flatten({ name: `${name}_flatten` }).apply(h) as tf.SymbolicTensor;
}

/**
 * A dense decoder: latent → hidden relu → h·w·c sigmoid, reshaped. Dense rather than transposed
 * convs: at the 21×21 – 42×42 frames used here it is small, and it avoids the slow
 * Conv2DBackpropInput path on wasm (FACTS.md).
 */
export function denseDecoder(latent: number, shape: readonly [number, number, number], hidden: number, seed: number, name: string): tf.LayersModel {
  const z = tf.input({ shape: [latent], name: `${name}_z` });
  const h = tf.layers.dense({ units: hidden, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }), name: `${name}_hidden` }).apply(z) as tf.SymbolicTensor;
  const o = tf.layers.dense({ units: shape[0] * shape[1] * shape[2], activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }), name: `${name}_pixels` }).apply(h) as tf.SymbolicTensor;
  const img = tf.layers.reshape({ targetShape: [...shape], name: `${name}_image` }).apply(o) as tf.SymbolicTensor;
  return tf.model({ inputs: z, outputs: img, name });
}

export function checkShape(shape: readonly number[], what: string): void {
  if (shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new RangeError(`${what}: inputShape must be [h, w, c] positive integers`);
}

/** Per-image mean of squared differences. */
export function perImageMse(a: tf.Tensor4D, b: tf.Tensor4D): Float32Array {
  const e = tf.tidy(() => tf.mean(tf.squaredDifference(a, b), [1, 2, 3]));
  const out = Float32Array.from(e.dataSync() as Float32Array);
  e.dispose();
  return out;
}
