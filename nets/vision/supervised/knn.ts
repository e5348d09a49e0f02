// k-nearest-neighbour classification (cs231n ch. 1: image classification, the data-driven approach).
import * as tf from '@tensorflow/tfjs';
import type { ImageShape } from '../../modules/types.js';
import type { Classifier, FitSummary } from './classifier.js';
import { checkLabeled, imageCount, imageSize, type LabeledImages } from './labeled.js';

/** L1 (Manhattan): Σ|a − b|; L2 (Euclidean): √Σ(a − b)². */
export type Distance = 'l1' | 'l2';

export interface KnnConfig {
  /** Neighbours that vote. Default 1. */
  k?: number;
  /** Default 'l2'. */
  distance?: Distance;
}

/** Distances between every row of a [M, D] and every row of b [N, D], as [M, N]. */
export function pairwiseDistances(a: tf.Tensor2D, b: tf.Tensor2D, distance: Distance): tf.Tensor2D {
  if (a.shape[1] !== b.shape[1]) throw new RangeError(`pairwiseDistances: ${a.shape[1]} vs ${b.shape[1]} features`);
  return tf.tidy(() => {
    if (distance === 'l2') {
      // ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b: one matrix product instead of an [M, N, D] tensor.
      const aa = a.square().sum(1, true);
      const bb = b.square().sum(1).expandDims(0);
      const ab = tf.matMul(a, b, false, true);
      return aa.add(bb).sub(ab.mul(2)).relu().sqrt() as tf.Tensor2D;
    }
    return a.expandDims(1).sub(b.expandDims(0)).abs().sum(2) as tf.Tensor2D;
  });
}

/** L1 distances between the rows of flat a [M, d] and b [N, d], as a flat [M, N] array. */
export function l1Distances(a: Float32Array, b: Float32Array, d: number): Float32Array {
  const m = a.length / d;
  const n = b.length / d;
  if (!Number.isInteger(m) || !Number.isInteger(n)) throw new RangeError(`l1Distances: rows of ${d} values do not divide ${a.length} and ${b.length}`);
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const ao = i * d;
    for (let j = 0; j < n; j++) {
      const bo = j * d;
      let s = 0;
      for (let t = 0; t < d; t++) s += Math.abs(a[ao + t]! - b[bo + t]!);
      out[i * n + j] = s;
    }
  }
  return out;
}

/** Writes the indices of the out.length smallest values of `values` into `out`, smallest first (ties: lower index). */
function kSmallest(values: Float32Array, k: number, out: Int32Array): void {
  // k is small: keep a sorted list of the best k by insertion.
  let filled = 0;
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!;
    if (filled === k && v >= values[out[k - 1]!]!) continue;
    let p = filled < k ? filled++ : k - 1;
    while (p > 0 && values[out[p - 1]!]! > v) {
      out[p] = out[p - 1]!;
      p--;
    }
    out[p] = j;
  }
}

/**
 * Majority vote of the neighbour labels, nearest first. Ties go to the class among the tied ones
 * whose nearest member is closest (so k = 1 and unanimous votes behave as expected).
 */
export function majorityVote(neighbourLabels: ArrayLike<number>, numClasses: number): number {
  const votes = new Int32Array(numClasses);
  let best = -1;
  for (let i = 0; i < neighbourLabels.length; i++) votes[neighbourLabels[i]!]!++;
  let top = 0;
  for (let c = 0; c < numClasses; c++) top = Math.max(top, votes[c]!);
  for (let i = 0; i < neighbourLabels.length && best < 0; i++) if (votes[neighbourLabels[i]!] === top) best = neighbourLabels[i]!;
  return best;
}

/** Memorizes the training images; predicts by a vote of the k nearest (pixels as the feature vector). */
export class KnnClassifier implements Classifier {
  readonly name = 'knn';
  readonly k: number;
  readonly distance: Distance;
  private train: tf.Tensor2D | null = null;
  private trainValues = new Float32Array(0);
  private labels = new Int32Array(0);
  private numClasses = 0;
  private shape: ImageShape | null = null;

  constructor(config: KnnConfig = {}) {
    this.k = config.k ?? 1;
    this.distance = config.distance ?? 'l2';
    if (!Number.isInteger(this.k) || this.k < 1) throw new RangeError(`KnnClassifier: k must be a positive integer, got ${String(config.k)}`);
    if (this.distance !== 'l1' && this.distance !== 'l2') throw new RangeError(`KnnClassifier: distance must be 'l1' or 'l2', got ${String(config.distance)}`);
  }

  async fit(data: LabeledImages): Promise<FitSummary> {
    const n = checkLabeled(data, 'KnnClassifier.fit');
    if (this.k > n) throw new RangeError(`KnnClassifier.fit: k = ${this.k} exceeds the ${n} training images`);
    this.train?.dispose();
    this.train = tf.tensor2d(data.images, [n, imageSize(data.shape)]);
    this.trainValues = data.images.slice();
    this.labels = data.labels.slice();
    this.numClasses = data.numClasses;
    this.shape = [...data.shape];
    return { losses: [] };
  }

  async predict(images: Float32Array, shape: ImageShape): Promise<Int32Array> {
    const train = this.train;
    if (!train || !this.shape) throw new Error('KnnClassifier.predict: call fit first');
    if (shape.join() !== this.shape.join()) throw new RangeError(`KnnClassifier.predict: images are [${shape.join(', ')}], trained on [${this.shape.join(', ')}]`);
    const m = imageCount(images, shape, 'KnnClassifier.predict');
    const d = imageSize(shape);
    const out = new Int32Array(m);
    const rows = 256;
    for (let start = 0; start < m; start += rows) {
      const count = Math.min(rows, m - start);
      const query = images.subarray(start * d, (start + count) * d);
      const near = this.distance === 'l2' ? await this.nearestL2(query, count, d) : this.nearestL1(query, count, d);
      for (let i = 0; i < count; i++) {
        const voters = Array.from(near.subarray(i * this.k, (i + 1) * this.k), (j) => this.labels[j]!);
        out[start + i] = majorityVote(voters, this.numClasses);
      }
    }
    return out;
  }

  /** Indices of the k nearest training rows of each query row, nearest first (L2 through tfjs). */
  private async nearestL2(query: Float32Array, count: number, d: number): Promise<Int32Array> {
    const idx = tf.tidy(() => tf.topk(pairwiseDistances(tf.tensor2d(query, [count, d]), this.train!, 'l2').neg(), this.k, true).indices);
    const near = (await idx.data()) as Int32Array;
    idx.dispose();
    return near;
  }

  /** The same for L1, with typed-array loops (an [M, N, D] difference tensor would be huge). */
  private nearestL1(query: Float32Array, count: number, d: number): Int32Array {
    const dist = l1Distances(query, this.trainValues, d);
    const n = this.labels.length;
    const out = new Int32Array(count * this.k);
    for (let i = 0; i < count; i++) kSmallest(dist.subarray(i * n, (i + 1) * n), this.k, out.subarray(i * this.k, (i + 1) * this.k));
    return out;
  }

  dispose(): void {
    this.train?.dispose();
    this.train = null;
    this.trainValues = new Float32Array(0);
  }
}
