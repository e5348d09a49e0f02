// Images made by optimizing the input: gradient ascent on an output or neuron with L2 and blur
// regularizers (Simonyan et al. 2014; Yosinski et al. 2015, "Understanding neural networks through
// deep visualization"), DeepDream (Mordvintsev et al. 2015) and feature inversion with total
// variation (Mahendran & Vedaldi 2015, "Understanding deep image representations by inverting them").
// cs231n ch. 11.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../envs/rng.js';
import { checkImage, imageTensor, layerModel, type ImageInput } from './input.js';

/** What to maximize: an output unit, or a channel of a layer (its mean, or one position). */
export type AscentTarget =
  | { kind: 'output'; index: number }
  | { kind: 'neuron'; layer: string; channel: number; y?: number; x?: number };

export interface AscentOptions {
  /** Default 100. */
  steps?: number;
  /** Step size applied to the gradient normalized by its mean magnitude. Default 0.02. */
  lr?: number;
  /** L2 penalty weight on the image (keeps pixels small). Default 1e-3. */
  l2?: number;
  /** Gaussian blur every this many steps; 0 turns it off. Default 4. */
  blurEvery?: number;
  /** Default 0.5 pixels. */
  blurSigma?: number;
  /** Pixels are clipped to this range after each step. Default [0, 1]. */
  range?: [number, number];
  /** Seeds the starting noise. Default 0. */
  seed?: number;
}

export interface AscentResult {
  /** The image, [h, w, c] row-major. */
  image: Float32Array;
  shape: [number, number, number];
  /** The objective before the first step and after each step. */
  objective: number[];
}

function gaussianKernel(sigma: number, c: number): tf.Tensor4D {
  const r = Math.max(1, Math.ceil(2 * sigma));
  const w: number[] = [];
  for (let i = -r; i <= r; i++) w.push(Math.exp(-(i * i) / (2 * sigma * sigma)));
  const s = w.reduce((a, b) => a + b, 0);
  const k = 2 * r + 1;
  const data = new Float32Array(k * k * c);
  for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) for (let ch = 0; ch < c; ch++) data[(y * k + x) * c + ch] = (w[y]! * w[x]!) / (s * s);
  return tf.tensor4d(data, [k, k, c, 1]);
}

/** The objective as a scalar function of a [1, h, w, c] image. */
export function ascentObjective(model: tf.LayersModel, target: AscentTarget): (x: tf.Tensor4D) => tf.Scalar {
  if (target.kind === 'output') {
    return (x) => {
      const out = tf.reshape(model.apply(x) as tf.Tensor, [-1]);
      if (!Number.isInteger(target.index) || target.index < 0 || target.index >= out.shape[0]!) throw new RangeError(`ascent: output ${target.index} out of range`);
      return tf.sum(tf.slice(out, [target.index], [1]));
    };
  }
  const sub = layerModel(model, target.layer);
  return (x) => {
    const a = sub.apply(x) as tf.Tensor;
    const ch = a.shape[a.shape.length - 1]!;
    if (!Number.isInteger(target.channel) || target.channel < 0 || target.channel >= ch) throw new RangeError(`ascent: channel ${target.channel} out of range`);
    if (a.rank === 4 && target.y !== undefined && target.x !== undefined) return tf.sum(tf.slice(a, [0, target.y, target.x, target.channel], [1, 1, 1, 1]));
    const col = tf.slice(tf.reshape(a, [-1, ch]), [0, target.channel], [-1, 1]);
    return tf.mean(col);
  };
}

interface LoopSpec {
  start: tf.Tensor4D;
  /** Loss to minimize (the negated objective for ascent). */
  loss: (x: tf.Tensor4D) => tf.Scalar;
  /** Objective to report. */
  report: (x: tf.Tensor4D) => tf.Scalar;
  steps: number;
  lr: number;
  blurEvery: number;
  blurSigma: number;
  range: [number, number];
}

/** Normalized gradient descent on the image with clipping and periodic blur; disposes `start`. */
function optimizeImage(s: LoopSpec): AscentResult {
  const [, h, w, c] = s.start.shape;
  const kernel = s.blurEvery > 0 ? gaussianKernel(s.blurSigma, c) : null;
  const pad = kernel ? (kernel.shape[0] - 1) / 2 : 0;
  let x = s.start;
  const objective: number[] = [];
  const grad = tf.grad((v: tf.Tensor) => s.loss(v as tf.Tensor4D));
  const record = () => {
    const v = tf.tidy(() => s.report(x));
    objective.push(v.dataSync()[0]!);
    v.dispose();
  };
  try {
    record();
    for (let t = 0; t < s.steps; t++) {
      const next = tf.tidy(() => {
        const g = grad(x) as tf.Tensor4D;
        // Dividing by the mean magnitude makes the step size independent of the model's scale.
        const step = tf.div(g, tf.add(tf.mean(tf.abs(g)), 1e-8));
        let y = tf.clipByValue(tf.sub(x, tf.mul(step, s.lr)), s.range[0], s.range[1]) as tf.Tensor4D;
        if (kernel && (t + 1) % s.blurEvery === 0) {
          y = tf.depthwiseConv2d(tf.pad(y, [[0, 0], [pad, pad], [pad, pad], [0, 0]], 0), kernel, 1, 'valid') as tf.Tensor4D;
        }
        return y;
      });
      x.dispose();
      x = next;
      record();
    }
    return { image: Float32Array.from(x.dataSync() as Float32Array), shape: [h, w, c], objective };
  } finally {
    x.dispose();
    kernel?.dispose();
  }
}

function noise(shape: readonly [number, number, number], seed: number, range: [number, number]): tf.Tensor4D {
  const rng = new Rng(seed);
  const [h, w, c] = shape;
  const mid = (range[0] + range[1]) / 2;
  const amp = (range[1] - range[0]) * 0.05;
  const d = new Float32Array(h * w * c);
  for (let i = 0; i < d.length; i++) d[i] = mid + amp * rng.normal();
  return tf.tensor4d(d, [1, h, w, c]);
}

/** Gradient ascent from small noise on an output or neuron, with an L2 penalty and periodic blur. */
export function visualizeTarget(model: tf.LayersModel, target: AscentTarget, shape: readonly [number, number, number], opts: AscentOptions = {}): AscentResult {
  const obj = ascentObjective(model, target);
  const l2 = opts.l2 ?? 1e-3;
  const range = opts.range ?? [0, 1];
  return optimizeImage({
    start: noise(shape, opts.seed ?? 0, range),
    loss: (x) => tf.sub(tf.mul(tf.sum(tf.square(x)), l2), obj(x)) as tf.Scalar,
    report: obj,
    steps: opts.steps ?? 100,
    lr: opts.lr ?? 0.02,
    blurEvery: opts.blurEvery ?? 4,
    blurSigma: opts.blurSigma ?? 0.5,
    range,
  });
}

/** DeepDream: amplify whatever layer `layer` sees in `image` by ascending ½‖A(x)‖² / size. */
export function deepDream(model: tf.LayersModel, layer: string, image: ImageInput, opts: Omit<AscentOptions, 'l2' | 'seed'> = {}): AscentResult {
  checkImage(image, 'deepDream');
  const sub = layerModel(model, layer);
  const obj = (x: tf.Tensor4D): tf.Scalar => tf.mul(tf.mean(tf.square(sub.apply(x) as tf.Tensor)), 0.5);
  return optimizeImage({
    start: imageTensor(image),
    loss: (x) => tf.neg(obj(x)),
    report: obj,
    steps: opts.steps ?? 20,
    lr: opts.lr ?? 0.01,
    blurEvery: opts.blurEvery ?? 0,
    blurSigma: opts.blurSigma ?? 0.5,
    range: opts.range ?? [0, 1],
  });
}

/** Total variation: sum of squared differences of neighbouring pixels (a smoothness prior). */
export function totalVariation(x: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const dy = tf.sub(tf.slice(x, [0, 1, 0, 0], [-1, h - 1, -1, -1]), tf.slice(x, [0, 0, 0, 0], [-1, h - 1, -1, -1]));
    const dx = tf.sub(tf.slice(x, [0, 0, 1, 0], [-1, -1, w - 1, -1]), tf.slice(x, [0, 0, 0, 0], [-1, -1, w - 1, -1]));
    return tf.add(tf.sum(tf.square(dy)), tf.sum(tf.square(dx))) as tf.Scalar;
  });
}

export interface InversionOptions extends Omit<AscentOptions, 'l2' | 'blurEvery' | 'blurSigma'> {
  /** Total-variation weight. Default 1e-3. */
  tv?: number;
}

/**
 * Feature inversion: from noise, find an image whose features at `layer` match the image's,
 * minimizing ‖φ(x) − φ(x₀)‖² / ‖φ(x₀)‖² + tv·TV(x). The reported objective is that loss (it falls).
 */
export function invertFeatures(model: tf.LayersModel, layer: string, image: ImageInput, opts: InversionOptions = {}): AscentResult {
  checkImage(image, 'invertFeatures');
  const sub = layerModel(model, layer);
  const goal = tf.tidy(() => sub.predict(imageTensor(image)) as tf.Tensor);
  const norm = tf.tidy(() => tf.add(tf.sum(tf.square(goal)), 1e-8));
  const tv = opts.tv ?? 1e-3;
  const range = opts.range ?? [0, 1];
  const loss = (x: tf.Tensor4D): tf.Scalar => tf.add(tf.div(tf.sum(tf.squaredDifference(sub.apply(x) as tf.Tensor, goal)), norm), tf.mul(totalVariation(x), tv)) as tf.Scalar;
  try {
    return optimizeImage({ start: noise(image.shape, opts.seed ?? 0, range), loss, report: loss, steps: opts.steps ?? 100, lr: opts.lr ?? 0.02, blurEvery: 0, blurSigma: 1, range });
  } finally {
    goal.dispose();
    norm.dispose();
  }
}
