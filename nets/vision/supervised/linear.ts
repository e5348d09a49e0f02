// Linear classifiers on raw pixels, trained by minibatch SGD (cs231n ch. 2 and ch. 3: optimization).
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../envs/rng.js';
import { makeOptimizer } from '../../optim/config.js';
import type { ImageShape } from '../../modules/types.js';
import type { Classifier, FitSummary } from './classifier.js';
import { checkLabeled, imageCount, imageSize, type LabeledImages } from './labeled.js';
import { softmaxLoss, svmLoss } from './losses.js';
import { gatherRows, minibatches } from './batching.js';

export type LinearLoss = 'softmax' | 'svm';

export interface LinearConfig {
  /** 'softmax' (cross-entropy) or 'svm' (multiclass hinge). */
  loss: LinearLoss;
  /** SGD step size. Default 0.01. */
  learningRate?: number;
  /** λ in λ·ΣW² (biases are not penalized). Default 1e-4. */
  regularization?: number;
  /** Hinge margin Δ for 'svm'. Default 1. */
  margin?: number;
  /** Passes over the training set. Default 30. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Seeds the weights (0.001·N(0, 1), the course's start) and the batch order. Default 0. */
  seed?: number;
}

function positiveNumber(v: number, what: string, allowZero = false): void {
  if (!(Number.isFinite(v) && (allowZero ? v >= 0 : v > 0))) throw new RangeError(`LinearClassifier: ${what} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(v)}`);
}

/**
 * scores = (x − mean)·W + b over flattened pixels, where mean is the training images' mean
 * (centering the data, as the course recommends).
 */
export class LinearClassifier implements Classifier {
  readonly name: string;
  readonly config: Required<LinearConfig>;
  private w: tf.Variable | null = null;
  private b: tf.Variable | null = null;
  private mean: tf.Tensor | null = null;
  private shape: ImageShape | null = null;

  constructor(config: LinearConfig) {
    if (config?.loss !== 'softmax' && config?.loss !== 'svm') throw new RangeError(`LinearClassifier: loss must be 'softmax' or 'svm', got ${String(config?.loss)}`);
    const c = { learningRate: 0.01, regularization: 1e-4, margin: 1, epochs: 30, batchSize: 64, seed: 0, ...config };
    positiveNumber(c.learningRate, 'learningRate');
    positiveNumber(c.regularization, 'regularization', true);
    positiveNumber(c.margin, 'margin');
    if (!Number.isInteger(c.epochs) || c.epochs < 1) throw new RangeError(`LinearClassifier: epochs must be a positive integer, got ${c.epochs}`);
    if (!Number.isInteger(c.batchSize) || c.batchSize < 1) throw new RangeError(`LinearClassifier: batchSize must be a positive integer, got ${c.batchSize}`);
    if (!Number.isInteger(c.seed)) throw new RangeError(`LinearClassifier: seed must be an integer, got ${c.seed}`);
    this.config = c;
    this.name = `linear-${c.loss}`;
  }

  /** The data loss plus λ·ΣW² on a batch (scores from the current weights). */
  loss(x: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
    const { w, b, mean } = this.requireFitted();
    return tf.tidy(() => {
      const scores = x.sub(mean).matMul(w).add(b) as tf.Tensor2D;
      const data = this.config.loss === 'softmax' ? softmaxLoss(scores, y) : svmLoss(scores, y, this.config.margin);
      return data.add(w.square().sum().mul(this.config.regularization)) as tf.Scalar;
    });
  }

  async fit(data: LabeledImages): Promise<FitSummary> {
    const n = checkLabeled(data, `${this.name}.fit`);
    const d = imageSize(data.shape);
    const rng = new Rng(this.config.seed);
    this.disposeWeights();
    const init = new Float32Array(d * data.numClasses);
    for (let i = 0; i < init.length; i++) init[i] = 0.001 * rng.normal();
    // Inside tidy so the initial-value tensors are freed (the variables keep their own copies).
    this.w = tf.tidy(() => tf.variable(tf.tensor2d(init, [d, data.numClasses]), true));
    this.b = tf.tidy(() => tf.variable(tf.zeros([data.numClasses]), true));
    this.mean = tf.tidy(() => tf.tensor2d(data.images, [n, d]).mean(0));
    this.shape = [...data.shape];
    const optimizer = makeOptimizer({ type: 'sgd', learningRate: this.config.learningRate });
    const losses: number[] = [];
    try {
      for (let epoch = 0; epoch < this.config.epochs; epoch++) {
        let sum: tf.Tensor = tf.scalar(0);
        let batches = 0;
        for (const idx of minibatches(n, this.config.batchSize, rng)) {
          const cost = tf.tidy(() => {
            const x = gatherRows(data.images, idx, [d]) as tf.Tensor2D;
            const y = tf.tensor1d(Int32Array.from(idx, (i) => data.labels[i]!), 'int32');
            return optimizer.minimize(() => this.loss(x, y), true, [this.w!, this.b!])!;
          });
          const next = sum.add(cost);
          sum.dispose();
          cost.dispose();
          sum = next;
          batches++;
        }
        const mean = (await sum.data())[0]! / batches;
        sum.dispose();
        if (!Number.isFinite(mean)) throw new Error(`${this.name}.fit: the loss diverged at epoch ${epoch} (learning rate ${this.config.learningRate} too high?)`);
        losses.push(mean);
      }
    } finally {
      optimizer.dispose();
    }
    return { losses };
  }

  async predict(images: Float32Array, shape: ImageShape): Promise<Int32Array> {
    const { w, b, mean } = this.requireFitted();
    if (shape.join() !== this.shape!.join()) throw new RangeError(`${this.name}.predict: images are [${shape.join(', ')}], trained on [${this.shape!.join(', ')}]`);
    const n = imageCount(images, shape, `${this.name}.predict`);
    const pred = tf.tidy(() => tf.tensor2d(images, [n, imageSize(shape)]).sub(mean).matMul(w).add(b).argMax(1));
    const out = Int32Array.from(await pred.data());
    pred.dispose();
    return out;
  }

  /** The learned weights [D, C] and biases [C] (copies), e.g. to show them as class templates. */
  async weights(): Promise<{ w: Float32Array; b: Float32Array }> {
    const { w, b } = this.requireFitted();
    return { w: Float32Array.from(await w.data()), b: Float32Array.from(await b.data()) };
  }

  dispose(): void {
    this.disposeWeights();
  }

  private disposeWeights(): void {
    this.w?.dispose();
    this.b?.dispose();
    this.mean?.dispose();
    this.w = this.b = this.mean = null;
  }

  private requireFitted(): { w: tf.Variable; b: tf.Variable; mean: tf.Tensor } {
    if (!this.w || !this.b || !this.mean) throw new Error(`${this.name}: call fit first`);
    return { w: this.w, b: this.b, mean: this.mean };
  }
}
